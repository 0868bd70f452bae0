import { readFileSync } from 'node:fs';
import type { Sql } from '../db/client.js';
import { packagePath } from '../paths.js';
import { defaultPrivileges, num, obj, type Row, replicaIdentity, rule, settings, statistics, storage, text, type } from './inspect-extra.js';
import { type AttrValue, type Catalog, type CatalogObject, catalogOf, type ObjectKind } from './model.js';
import { qualify } from './names.js';
import { formatPrivileges, formatRoles } from './privileges.js';

const query = (name: string) => readFileSync(packagePath('sql', 'inspect', `${name}.sql`), 'utf8');

const RELKIND: Record<string, ObjectKind> = { r: 'table', p: 'table', v: 'view', m: 'materialized view', S: 'sequence', f: 'foreign table' };
const CONTYPE: Record<string, string> = { p: 'primary key', u: 'unique', f: 'foreign key', c: 'check', x: 'exclusion', t: 'trigger', n: 'not null' };
const QUERIES = [
  'schemas', 'relations', 'columns', 'constraints', 'indexes', 'routines', 'triggers', 'types', 'policies', 'rules', 'statistics', 'default-privileges',
] as const;

// A row's schema-qualified name, and the name of a part of its relation.
const rel = (r: Row) => qualify(String(r.schema), String(r.relation));
const part = (r: Row) => qualify(String(r.schema), String(r.relation), String(r.name));
const names = (v: unknown) => (Array.isArray(v) && v.length > 0 ? (v as string[][]).map((p) => qualify(...p)).join(', ') : null);

/** Schemas of a database that are not PostgreSQL's own. */
export async function userSchemas(sql: Sql): Promise<string[]> {
  const rows = await sql<{ nspname: string }[]>`
    select nspname from pg_namespace
    where nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and nspname not like 'pg_temp_%' and nspname not like 'pg_toast_temp_%'
    order by 1`;
  return rows.map((r) => r.nspname);
}

function relation(r: Row): CatalogObject {
  const kind = RELKIND[String(r.kind)] ?? 'table';
  const attrs: Record<string, AttrValue> = {
    privileges: formatPrivileges(r.privileges),
    owner: text(r.owner),
    comment: text(r.comment),
    options: settings(r.options),
  };
  if (kind === 'view' || kind === 'materialized view') attrs.query = text(r.query);
  if (kind === 'sequence') {
    attrs.sequence = text(r.sequence);
    attrs.owned_by = Array.isArray(r.owned_by) ? qualify(...(r.owned_by as string[])) : null;
  }
  if (kind === 'table' || kind === 'foreign table') {
    attrs.row_security = Boolean(r.row_security);
    attrs.force_row_security = Boolean(r.force_row_security);
    attrs.partition_key = text(r.partition_key);
    attrs.partition_bound = text(r.partition_bound);
    attrs.parents = names(r.parents);
  }
  if (kind === 'table') attrs.persistence = r.persistence === 'u' ? 'unlogged' : 'permanent';
  if (kind === 'table') attrs.replica_identity = replicaIdentity(r);
  return obj(kind, r.schema, qualify(String(r.schema), String(r.name)), attrs);
}

/** Read pg_catalog into the normalised model (Atlas's "inspect"): no diffing here. */
export async function inspect(sql: Sql, schemas?: string[]): Promise<Catalog> {
  const list = schemas ?? (await userSchemas(sql));
  const run = (name: string) => sql.unsafe(query(name), [list]) as unknown as Promise<Row[]>;
  const [schemaRows, relations, columns, constraints, indexes, routines, triggers, types, policies, rules, stats, defaults] = (await Promise.all(
    QUERIES.map(run),
  )) as Row[][];
  const out: CatalogObject[] = [];
  for (const r of schemaRows!) {
    if (r.kind === 'schema') out.push(obj('schema', r.name, qualify(String(r.name)), {
      privileges: formatPrivileges(r.privileges),
      owner: text(r.owner),
      comment: text(r.comment),
    }));
    else out.push(obj('extension', r.schema, String(r.name), { version: text(r.version), schema: text(r.schema) }));
  }
  for (const r of relations!) out.push(relation(r));
  for (const r of columns!) {
    out.push(obj('column', r.schema, part(r), {
      type: text(r.type),
      nullable: Boolean(r.nullable),
      default: text(r.default),
      collation: text(r.collation),
      identity: text(r.identity),
      generated: text(r.generated),
      privileges: formatPrivileges(r.privileges),
      comment: text(r.comment),
      storage: storage(r.storage),
      compression: text(r.compression),
      statistics: num(r.statistics),
      options: settings(r.options),
    }));
  }
  for (const r of constraints!) {
    out.push(obj('constraint', r.schema, part(r), {
      type: CONTYPE[String(r.type)] ?? String(r.type),
      definition: text(r.definition),
      deferrable: Boolean(r.deferrable),
      validated: Boolean(r.validated),
      comment: text(r.comment),
    }));
  }
  for (const r of indexes!) {
    out.push(obj('index', r.schema, qualify(String(r.schema), String(r.name)), { table: rel(r), definition: text(r.definition), valid: Boolean(r.valid), comment: text(r.comment) }));
  }
  for (const r of routines!) {
    out.push(obj(r.kind === 'p' ? 'procedure' : 'function', r.schema, `${qualify(String(r.schema), String(r.name))}(${r.arguments})`, {
      returns: text(r.returns),
      language: text(r.language),
      volatility: text(r.volatility),
      security_definer: Boolean(r.security_definer),
      body: text(r.body),
      sql_body: text(r.sql_body),
      privileges: formatPrivileges(r.privileges),
      owner: text(r.owner),
      comment: text(r.comment),
      strict: Boolean(r.strict),
      leakproof: Boolean(r.leakproof),
      parallel: text(r.parallel),
      cost: num(r.cost),
      rows: num(r.rows),
      config: settings(r.config),
    }));
  }
  for (const r of triggers!) out.push(obj('trigger', r.schema, part(r), { definition: text(r.definition), enabled: text(r.enabled), comment: text(r.comment) }));
  for (const r of policies!) {
    out.push(obj('policy', r.schema, part(r), {
      command: text(r.command),
      permissive: Boolean(r.permissive),
      roles: formatRoles(r.roles),
      using: text(r.using),
      with_check: text(r.with_check),
      comment: text(r.comment),
    }));
  }
  for (const r of types!) out.push(type(r));
  for (const r of rules!) out.push(rule(r));
  for (const r of stats!) out.push(statistics(r));
  for (const r of defaults!) out.push(defaultPrivileges(r));
  return catalogOf(list, out);
}
