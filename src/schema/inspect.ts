import { readFileSync } from 'node:fs';
import type { Sql } from '../db/client.js';
import { packagePath } from '../paths.js';
import { type AttrValue, type Catalog, type CatalogObject, catalogOf, type ObjectKind } from './model.js';

const query = (name: string) => readFileSync(packagePath('sql', 'inspect', `${name}.sql`), 'utf8');

type Row = Record<string, AttrValue>;

const RELKIND: Record<string, ObjectKind> = { r: 'table', p: 'table', v: 'view', m: 'materialized view', S: 'sequence', f: 'foreign table' };
const CONTYPE: Record<string, string> = { p: 'primary key', u: 'unique', f: 'foreign key', c: 'check', x: 'exclusion', t: 'trigger', n: 'not null' };

function obj(kind: ObjectKind, schema: string, name: string, attrs: Row): CatalogObject {
  return { kind, schema, name, attrs };
}

/** Schemas of a database that are not PostgreSQL's own. */
export async function userSchemas(sql: Sql): Promise<string[]> {
  const rows = await sql<{ nspname: string }[]>`
    select nspname from pg_namespace
    where nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and nspname not like 'pg_temp_%' and nspname not like 'pg_toast_temp_%'
    order by 1`;
  return rows.map((r) => r.nspname);
}

/** Read pg_catalog into the normalised model (Atlas's "inspect"): no diffing here. */
export async function inspect(sql: Sql, schemas?: string[]): Promise<Catalog> {
  const list = schemas ?? (await userSchemas(sql));
  const run = (name: string) => sql.unsafe(query(name), [list]) as unknown as Promise<Row[]>;
  const [schemaRows, relations, columns, constraints, indexes, routines, triggers, types] = await Promise.all(
    ['schemas', 'relations', 'columns', 'constraints', 'indexes', 'routines', 'triggers', 'types'].map(run),
  );
  const out: CatalogObject[] = [];
  for (const r of schemaRows!) {
    if (r.kind === 'schema') out.push(obj('schema', String(r.name), String(r.name), {}));
    else out.push(obj('extension', String(r.schema), String(r.name), { version: r.version ?? null, schema: r.schema ?? null }));
  }
  for (const r of relations!) {
    const kind = RELKIND[String(r.kind)] ?? 'table';
    const attrs: Row = {};
    if (kind === 'view' || kind === 'materialized view') attrs.definition_hash = r.definition_hash ?? null;
    if (kind === 'sequence') {
      attrs.sequence = r.sequence ?? null;
      attrs.owned_by = r.owned_by ?? null;
    }
    if (kind === 'table') attrs.persistence = r.persistence === 'u' ? 'unlogged' : 'permanent';
    out.push(obj(kind, String(r.schema), `${r.schema}.${r.name}`, attrs));
  }
  for (const r of columns!) {
    out.push(obj('column', String(r.schema), `${r.schema}.${r.relation}.${r.name}`, {
      type: r.type ?? null,
      nullable: Boolean(r.nullable),
      default: r.default ?? null,
      collation: r.collation ?? null,
      identity: r.identity ?? null,
      generated: r.generated ?? null,
    }));
  }
  for (const r of constraints!) {
    out.push(obj('constraint', String(r.schema), `${r.schema}.${r.relation}.${r.name}`, {
      type: CONTYPE[String(r.type)] ?? String(r.type),
      definition: r.definition ?? null,
      deferrable: Boolean(r.deferrable),
      validated: Boolean(r.validated),
    }));
  }
  for (const r of indexes!) {
    out.push(obj('index', String(r.schema), `${r.schema}.${r.name}`, {
      table: `${r.schema}.${r.relation}`,
      definition: r.definition ?? null,
      valid: Boolean(r.valid),
    }));
  }
  for (const r of routines!) {
    const kind: ObjectKind = r.kind === 'p' ? 'procedure' : 'function';
    out.push(obj(kind, String(r.schema), `${r.schema}.${r.name}(${r.arguments})`, {
      returns: r.returns ?? null,
      language: r.language ?? null,
      volatility: r.volatility ?? null,
      security_definer: Boolean(r.security_definer),
      body_hash: r.body_hash ?? null,
    }));
  }
  for (const r of triggers!) {
    out.push(obj('trigger', String(r.schema), `${r.schema}.${r.relation}.${r.name}`, {
      definition: r.definition ?? null,
      enabled: r.enabled ?? null,
    }));
  }
  for (const r of types!) {
    if (r.kind === 'e') out.push(obj('enum', String(r.schema), `${r.schema}.${r.name}`, { labels: r.labels ?? null }));
    else {
      out.push(obj('domain', String(r.schema), `${r.schema}.${r.name}`, {
        base_type: r.base_type ?? null,
        not_null: Boolean(r.not_null),
        default: r.default ?? null,
        checks: r.checks ?? null,
      }));
    }
  }
  return catalogOf(list, out);
}
