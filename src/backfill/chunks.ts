// The chunk table of the parallel backfill (migrations/3-backfill/006-create-backfill-chunks):
// cutting each mapped table's key range once, claiming a chunk, recording a batch of it, and the
// per-table checkpoints kept up to date from the chunks (status, parity checks and rollback read those).
import type { Sql } from '../db/client.js';
import type { MappedTable } from '../db/mapped-tables.js';
import { rollbackUnlessLost } from '../db/transaction.js';
import type { GovernorState } from '../governor/governor.js';
import { throwIfStopped } from '../runner/interrupt.js';

/** A chunk as a worker holds it: its bounds and where its last committed batch stopped. */
export interface Chunk {
  readonly old_schema: string;
  readonly old_table: string;
  readonly chunk: number;
  /** Exclusive lower bound; null: from the table's first key. */
  readonly lo: string[] | null;
  /** Inclusive upper bound. */
  readonly hi: string[];
  readonly last_key: string[] | null;
  readonly rows_done: string;
}

/** The keys of a chunk are a multiple of the batch size, so its batches are full ones. */
export const BATCHES_PER_CHUNK = 4;

/** `schema.table` of a chunk, for progress and logs. */
export function chunkTable(c: Pick<Chunk, 'old_schema' | 'old_table'>): string {
  return `${c.old_schema}.${c.old_table}`;
}

/**
 * Cut every mapped table that has neither chunks nor a finished checkpoint into chunks of
 * `chunkRows` keys, up to its high-water key taken now (later rows reach the target through the
 * change log), after the last key an earlier one-table run committed; a table with nothing to copy
 * gets a finished checkpoint. Idempotent: a rerun reuses the chunks it finds. One transaction per table.
 */
export async function planChunks(sql: Sql, tables: readonly MappedTable[], chunkRows: number): Promise<void> {
  for (const t of tables) {
    throwIfStopped();
    await onConnection(sql, async (tx) => {
      const [has] = await tx<{ chunks: boolean; finished: boolean; last_key: string[] | null; done: string }[]>`
        select exists (select 1 from cortex_migration.backfill_chunks where old_schema = ${t.old_schema} and old_table = ${t.old_table}) as chunks,
               coalesce(c.finished_at is not null, false) as finished, c.last_key, coalesce(c.rows_done, 0)::text as done
        from (select 1) one left join cortex_migration.backfill_checkpoints c on c.old_schema = ${t.old_schema} and c.old_table = ${t.old_table}`;
      if (has!.chunks || has!.finished) return;
      const [w] = await tx<{ total: string; stop_key: string[] | null }[]>`
        select (select count(*) from ${tx(t.old_schema)}.${tx(t.old_table)})::text as total, cortex_migration.high_water_key(m) as stop_key
        from cortex_migration.mapped_tables m where old_schema = ${t.old_schema} and old_table = ${t.old_table}`;
      const after = has!.last_key;
      const stop = w!.stop_key;
      if (stop === null || (after !== null && sameKey(after, stop))) {
        await tx`insert into cortex_migration.backfill_checkpoints (old_schema, old_table, rows_total, finished_at)
                 values (${t.old_schema}, ${t.old_table}, ${w!.total}, clock_timestamp())
                 on conflict (old_schema, old_table) do update set finished_at = clock_timestamp()`;
        return;
      }
      const bounds = (await tx<{ hi: string[] }[]>`
        select b as hi from cortex_migration.chunk_bounds(
          (select m from cortex_migration.mapped_tables m where old_schema = ${t.old_schema} and old_table = ${t.old_table}),
          ${after}::text[], ${stop}::text[], ${chunkRows}) b`).map((r) => r.hi);
      const full = bounds.length;
      if (full === 0 || !sameKey(bounds[full - 1]!, stop)) bounds.push(stop);
      // Full chunks hold chunkRows keys; the last one what the count leaves (an estimate, for progress).
      const left = Math.max(0, Number(w!.total) - Number(has!.done) - full * chunkRows);
      const rows = bounds.map((_, i) => (i < full ? chunkRows : left));
      await tx`
        insert into cortex_migration.backfill_chunks (old_schema, old_table, chunk, lo, hi, rows_total, in_order)
        select ${t.old_schema}, ${t.old_table}, i,
               case when i = 1 then ${after}::text[] else array(select jsonb_array_elements_text(b -> (i - 2))) end,
               array(select jsonb_array_elements_text(b -> (i - 1))), (${rows}::bigint[])[i],
               exists (select 1 from pg_constraint k where k.contype = 'f' and k.conrelid = k.confrelid
                          and k.conrelid = to_regclass(format('%I.%I', ${t.new_schema}::text, ${t.new_table}::text)))
        from generate_series(1, ${bounds.length}) i, (select ${tx.json(bounds)}::jsonb as b) x`;
    });
  }
}

// A transaction on `sql`, one connection (a step's session, which cannot reserve another).
async function onConnection(sql: Sql, fn: (tx: Sql) => Promise<void>): Promise<void> {
  await sql`begin`;
  try {
    await fn(sql);
    await sql`commit`;
  } catch (err) {
    await rollbackUnlessLost(sql, err);
    throw err;
  }
}

/** Whether two keys (as text arrays) are the same key. */
export function sameKey(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Claim a chunk for worker `worker` on this connection (see claim_chunk in the chunk step); undefined: none is free now. */
export async function claimChunk(sql: Sql, worker: string): Promise<Chunk | undefined> {
  const [c] = await sql<Chunk[]>`
    select old_schema, old_table, chunk, lo, hi, last_key, rows_done::text from cortex_migration.claim_chunk(${worker}::uuid)`;
  return c;
}

/** Chunks not finished yet, whoever holds them; 0 once the backfill is complete. */
export async function chunksLeft(sql: Sql): Promise<number> {
  const [r] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.backfill_chunks where finished_at is null`;
  return r!.n;
}

/** Whether a backfill is in progress: the chunk table exists and holds a chunk not finished. Read-only. */
export async function backfillInProgress(sql: Sql): Promise<boolean> {
  const [r] = await sql<{ ok: boolean }[]>`select to_regclass('cortex_migration.backfill_chunks') is not null as ok`;
  return r!.ok && (await chunksLeft(sql)) > 0;
}

/**
 * In the batch's transaction: move the chunk past a batch of `keys` keys ending at `lastKey`, and
 * mark it finished when `finished` (the batch reached the chunk's last key, or found no key
 * left), with its table's checkpoint and the worker's registry row. False when this connection no
 * longer owns the chunk (its connection was replaced, and another worker took the chunk over):
 * the caller rolls the batch back and claims again.
 */
export async function recordChunkBatch(tx: Sql, c: Chunk, worker: string, keys: number, lastKey: string[] | null, finished: boolean, governor: GovernorState): Promise<boolean> {
  const one = keys > 0 ? 1 : 0;
  const [r] = await tx<{ owned: boolean }[]>`
    with ch as (
      update cortex_migration.backfill_chunks
         set last_key = coalesce(${lastKey}::text[], last_key), rows_done = rows_done + ${keys}, batches = batches + ${one},
             updated_at = clock_timestamp(), finished_at = case when ${finished} then clock_timestamp() end
       where old_schema = ${c.old_schema} and old_table = ${c.old_table} and chunk = ${c.chunk} and owner_pid = pg_backend_pid()
      returning 1),
    cp as (
      update cortex_migration.backfill_checkpoints
         set last_key = coalesce(${lastKey}::text[], last_key), rows_done = rows_done + ${keys}, batches = batches + ${one},
             updated_at = clock_timestamp()
       where old_schema = ${c.old_schema} and old_table = ${c.old_table} and ${one} = 1 and exists (select 1 from ch)
      returning 1),
    w as (
      update cortex_migration.backfill_workers
         set rows = rows + ${keys}, batches = batches + ${one}, chunks_done = chunks_done + ${finished ? 1 : 0},
             cur_schema = case when not ${finished} then cur_schema end, cur_table = case when not ${finished} then cur_table end,
             cur_chunk = case when not ${finished} then cur_chunk end,
             governor = ${tx.json(governor as never)}::jsonb, updated_at = clock_timestamp()
       where id = ${worker}::uuid and exists (select 1 from ch)
      returning 1)
    select exists (select 1 from ch) as owned, (select count(*) from cp) + (select count(*) from w) as n`;
  return r!.owned;
}

/**
 * Mark finished the checkpoint of every table whose chunks are all finished; returns those
 * tables. Run after a chunk's last batch commits: of two workers finishing a table's last two
 * chunks at once, the later one sees both finished.
 */
export async function finishTables(sql: Sql): Promise<string[]> {
  const rows = await sql<{ t: string }[]>`
    update cortex_migration.backfill_checkpoints c set finished_at = clock_timestamp()
     where c.finished_at is null
       and exists (select 1 from cortex_migration.backfill_chunks k where k.old_schema = c.old_schema and k.old_table = c.old_table)
       and not exists (select 1 from cortex_migration.backfill_chunks k
                        where k.old_schema = c.old_schema and k.old_table = c.old_table and k.finished_at is null)
    returning c.old_schema || '.' || c.old_table as t`;
  return rows.map((r) => r.t);
}

/** Give up this connection's chunks (a worker stopped by Ctrl-C): the next claim takes them at once. */
export async function releaseChunks(sql: Sql): Promise<void> {
  await sql`update cortex_migration.backfill_chunks set owner_pid = null, owner_start = null
             where owner_pid = pg_backend_pid() and finished_at is null`;
}

/** Rows done and rows in all per table, summed over its chunks, keyed `schema.table`. */
export async function chunkSums(sql: Sql): Promise<Map<string, { done: number; total: number }>> {
  const rows = await sql<{ t: string; done: string; total: string }[]>`
    select old_schema || '.' || old_table as t, sum(rows_done)::text as done, sum(rows_total)::text as total
      from cortex_migration.backfill_chunks group by 1`;
  return new Map(rows.map((r) => [r.t, { done: Number(r.done), total: Number(r.total) }]));
}

/** Rows done over every chunk (every worker's, finished or not). */
export async function rowsDone(sql: Sql): Promise<number> {
  const [r] = await sql<{ n: string }[]>`select coalesce(sum(rows_done), 0)::text as n from cortex_migration.backfill_chunks`;
  return Number(r!.n);
}
