/**
 * Split a SQL script into statements, respecting quotes, dollar quotes and comments.
 * Used for display and lock analysis; execution sends the script as written.
 */
export function splitStatements(script: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = script.length;
  while (i < n) {
    const c = script[i]!;
    const next = script[i + 1];
    if (c === '-' && next === '-') {
      const eol = script.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'" || c === '"') {
      i++;
      while (i < n) {
        if (script[i] === c) {
          if (script[i + 1] === c) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === '$') {
      const m = /^\$[A-Za-z_0-9]*\$/.exec(script.slice(i));
      if (m && !/[A-Za-z_0-9]/.test(script[i - 1] ?? '')) {
        const tag = m[0];
        const end = script.indexOf(tag, i + tag.length);
        i = end < 0 ? n : end + tag.length;
      } else i++;
    } else if (c === ';') {
      push(script.slice(start, i));
      i++;
      start = i;
    } else i++;
  }
  push(script.slice(start));
  return out;

  function push(s: string): void {
    const cleaned = stripComments(s).trim();
    if (cleaned) out.push(s.trim());
  }
}

/** Remove leading line comments (to classify a statement by its first keyword). */
export function stripComments(s: string): string {
  return s.replace(/^(\s*--[^\n]*\n?|\s*\/\*[\s\S]*?\*\/)+/g, '').trim();
}
