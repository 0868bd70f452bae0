import type { Sql } from '../db/client.js';

/** md5 of every row of every table in the given schemas, order-independent, keyed `schema.table`. */
export async function dataHashes(sql: Sql, schemas: string[]): Promise<Map<string, string>> {
  const tables = await sql<{ s: string; t: string }[]>`
    select n.nspname as s, c.relname as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and n.nspname = any(${schemas}) order by 1, 2`;
  const out = new Map<string, string>();
  for (const { s, t } of tables) {
    const [r] = await sql<{ h: string }[]>`
      select md5(coalesce(string_agg(md5(x::text), '' order by md5(x::text)), '')) as h from ${sql(s)}.${sql(t)} x`;
    out.set(`${s}.${t}`, r!.h);
  }
  return out;
}
