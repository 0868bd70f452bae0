/** Kinds of catalog object the model knows. */
export type ObjectKind =
  | 'schema'
  | 'extension'
  | 'table'
  | 'view'
  | 'materialized view'
  | 'sequence'
  | 'foreign table'
  | 'column'
  | 'constraint'
  | 'index'
  | 'function'
  | 'procedure'
  | 'trigger'
  | 'policy'
  | 'rule'
  | 'statistics'
  | 'enum'
  | 'domain'
  | 'composite'
  | 'range'
  | 'default privileges';

/** Attribute values are plain scalars so snapshots diff cleanly in git. */
export type AttrValue = string | number | boolean | null;

/**
 * One object of the normalised catalog. `name` is qualified enough to be unique within its kind,
 * its identifiers quoted as quote_ident does (names.ts); `schema` is the schema's name as is.
 */
export interface CatalogObject {
  kind: ObjectKind;
  schema: string;
  name: string;
  attrs: Record<string, AttrValue>;
}

/** A normalised catalog: objects keyed by `kind:name`. */
export interface Catalog {
  schemas: string[];
  objects: Map<string, CatalogObject>;
}

/** The serialised (snapshot) form: sorted, stable, diffable in git. */
export interface Snapshot {
  format: 'cortex-snapshot/1';
  schemas: string[];
  objects: CatalogObject[];
}

/** Key of an object in a catalog. */
export function objectKey(o: Pick<CatalogObject, 'kind' | 'name'>): string {
  return `${o.kind}:${o.name}`;
}

/** Build a catalog from objects (later duplicates win). */
export function catalogOf(schemas: string[], objects: CatalogObject[]): Catalog {
  return { schemas: [...schemas].sort(), objects: new Map(objects.map((o) => [objectKey(o), o])) };
}

function sortedAttrs(attrs: Record<string, AttrValue>): Record<string, AttrValue> {
  return Object.fromEntries(Object.keys(attrs).sort().map((k) => [k, attrs[k] ?? null]));
}

/** Serialise a catalog to its stable snapshot form. */
export function toSnapshot(c: Catalog): Snapshot {
  const objects = [...c.objects.values()]
    .map((o) => ({ kind: o.kind, schema: o.schema, name: o.name, attrs: sortedAttrs(o.attrs) }))
    .sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : objectKey(a) > objectKey(b) ? 1 : 0));
  return { format: 'cortex-snapshot/1', schemas: [...c.schemas].sort(), objects };
}

/** Read a snapshot back into a catalog. */
export function fromSnapshot(s: Snapshot): Catalog {
  if (s?.format !== 'cortex-snapshot/1' || !Array.isArray(s.objects)) {
    throw new Error('not a cortex snapshot (expected format "cortex-snapshot/1")');
  }
  return catalogOf(s.schemas, s.objects);
}

/** Keep only the objects of the given schemas. */
export function filterSchemas(c: Catalog, schemas: string[]): Catalog {
  const keep = new Set(schemas);
  return catalogOf(
    c.schemas.filter((s) => keep.has(s)),
    [...c.objects.values()].filter((o) => keep.has(o.schema) || o.kind === 'extension'),
  );
}
