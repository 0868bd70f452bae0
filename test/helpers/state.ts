import type { Sql } from '../../src/db/client.js';
import { inspect, userSchemas } from '../../src/schema/inspect.js';
import { toSnapshot } from '../../src/schema/model.js';

/** Normalised schema snapshot of every user schema except the ledger's (pg_dump --schema-only equivalent). */
export async function schemaState(sql: Sql): Promise<string> {
  const schemas = (await userSchemas(sql)).filter((s) => s !== 'cortex_migration');
  return JSON.stringify(toSnapshot(await inspect(sql, schemas)));
}

/** md5 of every row of every table in the given schemas, in a stable order. */
export async function dataState(sql: Sql, schemas: string[]): Promise<Record<string, string>> {
  const tables = await sql<{ s: string; t: string }[]>`
    select n.nspname as s, c.relname as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and n.nspname = any(${schemas}) order by 1, 2`;
  const out: Record<string, string> = {};
  for (const { s, t } of tables) {
    const [r] = await sql<{ h: string }[]>`
      select md5(coalesce(string_agg(md5(x::text), '' order by md5(x::text)), '')) as h from ${sql(s)}.${sql(t)} x`;
    out[`${s}.${t}`] = r!.h;
  }
  return out;
}
