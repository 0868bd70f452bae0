// Checkpoints of batched jobs in `cortex_migration.batch_checkpoints` (created with the ledger,
// sql/engine/ledger.sql): the last key a committed batch reached, so a rerun after a crash
// continues there instead of starting over.
import type { Sql } from '../db/client.js';

/** One job's checkpoint as stored. */
export interface BatchCheckpoint {
  job: string;
  /** The last key of the last committed batch, as text; null before the first batch. */
  lastKey: string | null;
  rowsDone: number;
  batches: number;
  rowsTotal: number | null;
  finished: boolean;
}

interface Row {
  job: string;
  last_key: string | null;
  rows_done: string;
  batches: number;
  rows_total: string | null;
  finished: boolean;
}

/** The checkpoint of `job`, or undefined when it never ran (or was cleared). */
export async function readCheckpoint(sql: Sql, job: string): Promise<BatchCheckpoint | undefined> {
  const [r] = await sql<Row[]>`
    select job, last_key, rows_done::text, batches, rows_total::text, finished_at is not null as finished
    from cortex_migration.batch_checkpoints where job = ${job}`;
  if (!r) return undefined;
  return {
    job: r.job,
    lastKey: r.last_key,
    rowsDone: Number(r.rows_done),
    batches: r.batches,
    rowsTotal: r.rows_total === null ? null : Number(r.rows_total),
    finished: r.finished,
  };
}

/** Create `job`'s checkpoint if it has none, recording the job's size; idempotent. */
export async function openCheckpoint(sql: Sql, job: string, rowsTotal: number): Promise<void> {
  await sql`insert into cortex_migration.batch_checkpoints (job, rows_total) values (${job}, ${rowsTotal})
            on conflict (job) do update set rows_total = excluded.rows_total, updated_at = clock_timestamp()`;
}

/**
 * Move `job`'s checkpoint past a batch of `keys` keys ending at `lastKey`; with 0 keys, mark the
 * job finished. Run it in the batch's transaction so it commits with the batch's work.
 */
export async function advanceCheckpoint(tx: Sql, job: string, lastKey: string | null, keys: number): Promise<void> {
  await tx`update cortex_migration.batch_checkpoints
           set last_key = coalesce(${lastKey}::text, last_key), rows_done = rows_done + ${keys},
               batches = batches + ${keys > 0 ? 1 : 0}, updated_at = clock_timestamp(),
               finished_at = case when ${keys}::int = 0 then clock_timestamp() end
           where job = ${job}`;
}

/** Forget `job`'s checkpoint, so its next run starts from the first key (after a rollback undid it). */
export async function clearCheckpoint(sql: Sql, job: string): Promise<void> {
  await sql`delete from cortex_migration.batch_checkpoints where job = ${job}`;
}
