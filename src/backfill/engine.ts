import { batchLoop } from '../batch/loop.js';
import type { Sql } from '../db/client.js';
import type { Governor } from '../governor/governor.js';
import type { RunSettings } from '../plan/model.js';
import type { Progress } from './progress.js';

/** Knobs of a backfill run (CLI: --batch-size, --batch-delay, --max-rows-per-second). */
export interface BackfillOptions {
  /** The largest (and first) batch; the governor picks each batch's size up to it. */
  batchSize: number;
  /** The shortest pause between batches. */
  batchDelayMs: number;
  maxRowsPerSecond?: number;
  /** A governor shared by several loops (a step's tables, workers); absent: each loop makes its own. */
  governor?: Governor;
  onProgress?: (p: Progress) => void;
  /** Called after each committed batch, and awaited (tests use it to write mid-table). */
  afterBatch?: (table: string, batches: number) => void | Promise<void>;
}

/** What one table's backfill did in this run. */
export interface TableBackfill {
  table: string;
  rows: number;
  batches: number;
  quarantined: number;
  ms: number;
  resumed: boolean;
}

interface Checkpoint {
  last_key: string[] | null;
  rows_done: string;
  batches: number;
  finished_at: Date | null;
}

/** Read backfill options from step settings (config `backfill` and CLI flags), with defaults. */
export function backfillOptions(settings: RunSettings): BackfillOptions {
  const o = settings.options;
  return { batchSize: o.batchSize ?? 5000, batchDelayMs: o.batchDelayMs ?? 0, maxRowsPerSecond: o.maxRowsPerSecond };
}

/**
 * Copy one mapped legacy table: keyset batches in key order, one short transaction per batch
 * that syncs the batch and moves the checkpoint, so a crash loses at most the open batch and a
 * rerun continues after the last committed one. A run stops at the largest key present when it
 * started: later inserts are in the change log for phase 4. `sql` is one connection, not in a
 * transaction.
 */
export async function backfillTable(
  sql: Sql,
  settings: RunSettings,
  schema: string,
  table: string,
  opts: BackfillOptions,
): Promise<TableBackfill> {
  const name = `${schema}.${table}`;
  const started = Date.now();
  await sql`insert into cortex_migration.backfill_checkpoints (old_schema, old_table) values (${schema}, ${table})
            on conflict do nothing`;
  const [cp] = await sql<Checkpoint[]>`
    select last_key, rows_done, batches, finished_at from cortex_migration.backfill_checkpoints
    where old_schema = ${schema} and old_table = ${table}`;
  if (cp!.finished_at) {
    return { table: name, rows: 0, batches: 0, quarantined: await quarantined(sql, schema, table), ms: 0, resumed: true };
  }
  const [t] = await sql<{ total: string; stop_key: string[] | null }[]>`
    select (select count(*) from ${sql(schema)}.${sql(table)})::bigint as total, cortex_migration.high_water_key(m) as stop_key
    from cortex_migration.mapped_tables m where old_schema = ${schema} and old_table = ${table}`;
  const total = t!.total;
  const stopKey = t!.stop_key;
  await sql`update cortex_migration.backfill_checkpoints set rows_total = ${total} where old_schema = ${schema} and old_table = ${table}`;
  const doneAtStart = Number(cp!.rows_done);
  const out = await batchLoop<string[] | null>(sql, settings, opts, { label: name, cursor: cp!.last_key, doneAtStart, total: Number(total) }, async (tx, lastKey, size) => {
    const b = await syncNextBatch(tx, schema, table, lastKey, stopKey, size);
    await tx`update cortex_migration.backfill_checkpoints
             set last_key = coalesce(${b.lastKey}::text[], last_key), rows_done = rows_done + ${b.keys},
                 batches = batches + ${b.keys > 0 ? 1 : 0}, updated_at = clock_timestamp(),
                 finished_at = case when ${b.keys} = 0 then clock_timestamp() end
             where old_schema = ${schema} and old_table = ${table}`;
    return { keys: b.keys, cursor: b.lastKey ?? lastKey };
  });
  const q = await quarantined(sql, schema, table);
  return { table: name, rows: out.keys, batches: out.batches, quarantined: q, ms: Date.now() - started, resumed: doneAtStart > 0 };
}

/** One synced batch: how many keys it took (0: none left up to the stop key) and the last of them. */
export interface SyncedBatch {
  keys: number;
  /** The batch's last key (null when it took none). */
  lastKey: string[] | null;
}

/**
 * In the batch's transaction: sync the next at most `size` keys of a legacy table after `lastKey`
 * (null: from the first) up to `stopKey`, in key order, quarantining rows that cannot be written.
 */
export async function syncNextBatch(tx: Sql, schema: string, table: string, lastKey: string[] | null, stopKey: string[] | null, size: number): Promise<SyncedBatch> {
  // JIT off: a batch's plan costs enough to trigger LLVM compilation, which on PostgreSQL 15
  // took 50–60 ms of a 5,000-row batch of crm.tasks (450 ms without it) and never paid back.
  await tx`select set_config('cortex.sync_source', 'backfill', true),
                  set_config('plan_cache_mode', 'force_custom_plan', true),
                  set_config('jit', 'off', true)`;
  const [b] = await tx<{ old_ids: string[] | null; new_last_key: string[] | null }[]>`
    select (b).old_ids, (b).new_last_key from (
      select cortex_migration.next_batch(m, ${lastKey}::text[], ${stopKey}::text[], ${size}) as b
      from cortex_migration.mapped_tables m where old_schema = ${schema} and old_table = ${table}) x`;
  const ids = b?.old_ids ?? [];
  if (ids.length > 0 && (!b?.new_last_key || JSON.stringify(b.new_last_key) === JSON.stringify(lastKey))) {
    throw new Error(`backfill of ${schema}.${table} made no progress past key ${JSON.stringify(lastKey)}`);
  }
  if (ids.length > 0) await tx`select cortex_migration.sync_safely(${schema}, ${table}, ${ids}::text[])`;
  return { keys: ids.length, lastKey: ids.length > 0 ? b!.new_last_key : null };
}

/** Quarantined rows of one legacy table. */
export async function quarantined(sql: Sql, schema: string, table: string): Promise<number> {
  const [r] = await sql<{ n: number }[]>`
    select count(*)::int as n from cortex_migration.quarantine where old_schema = ${schema} and old_table = ${table}`;
  return r?.n ?? 0;
}
