import { type AttrValue, type CatalogObject, type ObjectKind } from './model.js';
import { qualify, quoteIdent } from './names.js';
import { formatPrivileges } from './privileges.js';

/** A row of an inspect query. */
export type Row = Record<string, unknown>;

/** An object of the model from a row's schema, its name and attributes. */
export function obj(kind: ObjectKind, schema: unknown, name: string, attrs: Record<string, AttrValue>): CatalogObject {
  return { kind, schema: String(schema), name, attrs };
}

/** A nullable value as text. */
export const text = (v: unknown): AttrValue => (v === undefined || v === null ? null : String(v));

/** A nullable number. */
export const num = (v: unknown): AttrValue => (v === undefined || v === null ? null : Number(v));

/** A list of settings (`key=value`) in one order-free form, `; `-separated; null when there are none. */
export function settings(v: unknown): string | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  return (v as string[]).map(String).sort().join('; ');
}

// Relation-level attributes: owner, comment, replica identity, storage parameters.
const REPLICA: Record<string, string> = { d: 'default', n: 'nothing', f: 'full' };

/** A relation's replica identity: default, nothing, full, or `index <name>`. */
export function replicaIdentity(r: Row): string | null {
  if (r.replica_identity === 'i') return r.replica_index ? `index ${quoteIdent(String(r.replica_index))}` : 'index';
  return REPLICA[String(r.replica_identity)] ?? null;
}

const STORAGE: Record<string, string> = { p: 'plain', e: 'external', m: 'main', x: 'extended' };

/** A column's storage where it is not its type's. */
export const storage = (v: unknown): AttrValue => (v === null || v === undefined ? null : (STORAGE[String(v)] ?? String(v)));

/** A rewrite rule on a relation (its CREATE RULE as deparsed is `definition`). */
export function rule(r: Row): CatalogObject {
  return obj('rule', r.schema, qualify(String(r.schema), String(r.relation), String(r.name)), {
    event: text(r.event),
    instead: Boolean(r.instead),
    enabled: text(r.enabled),
    definition: text(r.definition),
    comment: text(r.comment),
  });
}

/** An extended statistics object (CREATE STATISTICS). */
export function statistics(r: Row): CatalogObject {
  return obj('statistics', r.schema, qualify(String(r.schema), String(r.name)), {
    table: qualify(String(r.table_schema), String(r.relation)),
    definition: text(r.definition),
    target: num(r.target),
    owner: text(r.owner),
    comment: text(r.comment),
  });
}

/** ALTER DEFAULT PRIVILEGES FOR ROLE r IN SCHEMA s: one object per role and kind of object. */
export function defaultPrivileges(r: Row): CatalogObject {
  const name = `${qualify(String(r.schema))} for ${quoteIdent(String(r.role))} on ${String(r.objects)}`;
  return obj('default privileges', r.schema, name, { privileges: formatPrivileges(r.privileges) ?? 'none' });
}

// A composite type's attributes in order: `name type [COLLATE c]`, comma-separated.
function attributes(v: unknown): string | null {
  if (!Array.isArray(v)) return null;
  return (v as [string, string, string | null][])
    .map(([n, t, c]) => `${quoteIdent(n)} ${t}${c ? ` COLLATE ${quoteIdent(c)}` : ''}`)
    .join(', ');
}

/** An enum, domain, composite or range type. */
export function type(r: Row): CatalogObject {
  const name = qualify(String(r.schema), String(r.name));
  const common = { privileges: formatPrivileges(r.privileges), owner: text(r.owner), comment: text(r.comment) };
  if (r.kind === 'e') return obj('enum', r.schema, name, { labels: text(r.labels), ...common });
  if (r.kind === 'c') return obj('composite', r.schema, name, { attributes: attributes(r.attributes), ...common });
  if (r.kind === 'r') {
    return obj('range', r.schema, name, {
      subtype: text(r.subtype),
      subtype_opclass: text(r.subtype_opclass),
      collation: text(r.range_collation),
      canonical: text(r.canonical),
      subtype_diff: text(r.subtype_diff),
      multirange: text(r.multirange),
      ...common,
    });
  }
  return obj('domain', r.schema, name, { base_type: text(r.base_type), not_null: Boolean(r.not_null), default: text(r.default), checks: text(r.checks), ...common });
}
