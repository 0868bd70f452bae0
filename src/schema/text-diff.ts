// A unified diff of two texts by lines (longest common subsequence), for definitions that changed.

type Op = [' ' | '-' | '+', string];

/** Above this many line pairs the texts are shown as all removed, then all added. */
const MAX_CELLS = 4_000_000;

function lineOps(a: string[], b: string[]): Op[] {
  if (a.length * b.length > MAX_CELLS) return [...a.map((l): Op => ['-', l]), ...b.map((l): Op => ['+', l])];
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push([' ', a[i]!]);
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push(['-', a[i++]!]);
    else ops.push(['+', b[j++]!]);
  }
  return ops;
}

/**
 * The hunks of a unified diff from `from` to `to` (`@@ -l,n +l,n @@` headers, ` `, `-` and `+`
 * lines) with `context` unchanged lines around each change; empty when the texts are equal.
 */
export function unifiedDiff(from: string, to: string, context = 3): string[] {
  const lines = (t: string) => (t === '' ? [] : t.split('\n'));
  const ops = lineOps(lines(from), lines(to));
  const changed = ops.map((o, k) => (o[0] !== ' ' ? k : -1)).filter((k) => k >= 0);
  if (changed.length === 0) return [];
  // Group changes whose context windows touch into hunks of [start, end) over ops.
  const hunks: [number, number][] = [];
  for (const k of changed) {
    const start = Math.max(0, k - context);
    const end = Math.min(ops.length, k + context + 1);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1]) last[1] = end;
    else hunks.push([start, end]);
  }
  const out: string[] = [];
  for (const [start, end] of hunks) {
    const before = ops.slice(0, start);
    const aLine = before.filter((o) => o[0] !== '+').length + 1;
    const bLine = before.filter((o) => o[0] !== '-').length + 1;
    const body = ops.slice(start, end);
    const aLen = body.filter((o) => o[0] !== '+').length;
    const bLen = body.filter((o) => o[0] !== '-').length;
    out.push(`@@ -${aLen === 0 ? aLine - 1 : aLine},${aLen} +${bLen === 0 ? bLine - 1 : bLine},${bLen} @@`);
    for (const [op, line] of body) out.push(`${op}${line}`);
  }
  return out;
}
