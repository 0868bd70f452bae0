import { type AttrValue, type Catalog, type CatalogObject, type ObjectKind, objectKey } from './model.js';
import { unifiedDiff } from './text-diff.js';

/** One attribute that differs between two versions of an object. */
export interface AttrChange {
  attr: string;
  from: AttrValue;
  to: AttrValue;
}

/** One difference: `+` only in `to`, `-` only in `from`, `~` in both but different. */
export interface Change {
  op: '+' | '-' | '~';
  kind: ObjectKind;
  schema: string;
  name: string;
  attrs?: AttrChange[];
}

function attrChanges(a: CatalogObject, b: CatalogObject): AttrChange[] {
  const keys = new Set([...Object.keys(a.attrs), ...Object.keys(b.attrs)]);
  const out: AttrChange[] = [];
  for (const k of [...keys].sort()) {
    const x = a.attrs[k] ?? null;
    const y = b.attrs[k] ?? null;
    if (x !== y) out.push({ attr: k, from: x, to: y });
  }
  return out;
}

/** Atlas-style pure diff: what turns `from` into `to`, sorted by schema, kind and name. */
export function diffCatalogs(from: Catalog, to: Catalog): Change[] {
  const changes: Change[] = [];
  for (const [key, a] of from.objects) {
    const b = to.objects.get(key);
    if (!b) changes.push({ op: '-', kind: a.kind, schema: a.schema, name: a.name });
    else {
      const attrs = attrChanges(a, b);
      if (attrs.length > 0) changes.push({ op: '~', kind: a.kind, schema: a.schema, name: a.name, attrs });
    }
  }
  for (const [key, b] of to.objects) {
    if (!from.objects.has(key)) changes.push({ op: '+', kind: b.kind, schema: b.schema, name: b.name });
  }
  return changes.sort((x, y) =>
    x.schema !== y.schema ? (x.schema < y.schema ? -1 : 1) : objectKey(x) < objectKey(y) ? -1 : objectKey(x) > objectKey(y) ? 1 : 0,
  );
}

// A definition (a view's query, a function's body, a trigger's CREATE): shown as a unified diff.
const isText = (a: AttrChange) =>
  [a.from, a.to].some((v) => typeof v === 'string' && (v.includes('\n') || v.length > 60)) && [a.from, a.to].every((v) => v === null || typeof v === 'string');

function summary(a: AttrChange): string {
  if (!isText(a)) return `${a.attr} ${JSON.stringify(a.from)} → ${JSON.stringify(a.to)}`;
  const lines = unifiedDiff(String(a.from ?? ''), String(a.to ?? ''), 0);
  const count = (op: string) => lines.filter((l) => l.startsWith(op) && !l.startsWith('@@')).length;
  return `${a.attr} changed (-${count('-')} +${count('+')} lines)`;
}

/** One line per change, for check details: a changed definition is summarised by its line counts. */
export function describeChange(c: Change): string {
  const base = `${c.op} ${c.kind} ${c.name}`;
  if (!c.attrs) return base;
  return `${base}: ${c.attrs.map(summary).join('; ')}`;
}

/** A change for terminals: its line, then a unified diff of each definition that changed. */
export function describeChangeLines(c: Change): string[] {
  const lines = [describeChange(c)];
  for (const a of c.attrs?.filter(isText) ?? []) {
    lines.push(`    --- ${a.attr} (from)`, `    +++ ${a.attr} (to)`);
    for (const l of unifiedDiff(String(a.from ?? ''), String(a.to ?? ''))) lines.push(`    ${l}`);
  }
  return lines;
}
