// Keyset pagination over a table's single-column unique key: each batch takes the next keys after
// the last one done, in key order, through the key's index (no OFFSET, no growing scan).
import type postgres from 'postgres';
import type { Sql } from '../db/client.js';
import { CortexError } from '../errors.js';

/** A table and the single column its batches walk. */
export interface KeysetTable {
  schema: string;
  table: string;
  /** A column with a unique index of its own (the primary key, typically). */
  key: string;
  /** Only rows matching this condition are walked (e.g. sql`org_id is null`); all rows when absent. */
  where?: (sql: Sql) => postgres.PendingQuery<postgres.Row[]>;
}

/** Keys of one batch, as text (the checkpoint stores text; the server casts it back to the key's type). */
export interface KeyBatch {
  /** The batch's keys in key order. */
  keys: string[];
  /** The last key of the previous batch (exclusive lower bound); null for the first batch. */
  after: string | null;
  /** The batch's last key (inclusive upper bound). */
  last: string;
}

/** `schema.table` for messages. */
export function tableName(t: KeysetTable): string {
  return `${t.schema}.${t.table}`;
}

/**
 * Check that `t.key` is a column of `t.table` with a unique, non-partial, single-column index:
 * keyset batches skip or repeat rows on a key that is not unique.
 */
export async function assertKeysetKey(sql: Sql, t: KeysetTable): Promise<void> {
  const [r] = await sql<{ table_ok: boolean; column_ok: boolean; unique_ok: boolean }[]>`
    with rel as (select to_regclass(format('%I.%I', ${t.schema}::text, ${t.table}::text)) as oid),
         col as (select a.attnum from pg_attribute a, rel
                 where a.attrelid = rel.oid and a.attname = ${t.key} and a.attnum > 0 and not a.attisdropped)
    select (select oid is not null from rel) as table_ok,
           exists (select 1 from col) as column_ok,
           exists (select 1 from pg_index i, rel, col
                   where i.indrelid = rel.oid and i.indisunique and i.indpred is null and i.indnkeyatts = 1
                     and i.indkey[0] = col.attnum) as unique_ok`;
  if (!r?.table_ok) throw new CortexError('USAGE', `batched update: table ${tableName(t)} does not exist`);
  if (!r.column_ok) throw new CortexError('USAGE', `batched update: ${tableName(t)} has no column ${t.key}`);
  if (!r.unique_ok) {
    throw new CortexError('USAGE', `batched update: ${tableName(t)}.${t.key} has no unique single-column index, so it cannot be walked in batches`);
  }
}

function filter(sql: Sql, t: KeysetTable): postgres.PendingQuery<postgres.Row[]> {
  return t.where ? sql`and (${t.where(sql)})` : sql``;
}

function after(sql: Sql, t: KeysetTable, key: string | null): postgres.PendingQuery<postgres.Row[]> {
  // The key comes back as an untyped parameter, which the server reads as the column's type.
  return key === null ? sql`` : sql`and ${sql(t.key)} > ${key}`;
}

/** Rows left to walk after `key` (all rows matching `where` when null): the job's size for progress. */
export async function countAfter(sql: Sql, t: KeysetTable, key: string | null): Promise<number> {
  const [r] = await sql<{ n: string }[]>`
    select count(*)::text as n from ${sql(t.schema)}.${sql(t.table)} where true ${after(sql, t, key)} ${filter(sql, t)}`;
  return Number(r?.n ?? 0);
}

/** The next at most `size` keys after `key`, in key order; undefined when none is left. */
export async function nextKeys(sql: Sql, t: KeysetTable, key: string | null, size: number): Promise<KeyBatch | undefined> {
  const rows = await sql<{ k: string }[]>`
    select ${sql(t.key)}::text as k from ${sql(t.schema)}.${sql(t.table)}
    where true ${after(sql, t, key)} ${filter(sql, t)}
    order by ${sql(t.key)} limit ${size}`;
  if (rows.length === 0) return undefined;
  return { keys: rows.map((r) => r.k), after: key, last: rows[rows.length - 1]!.k };
}
