// The loop every batched job shares, whatever walks its keys and wherever it keeps its
// checkpoint: one short transaction per batch (the batch's work and its checkpoint commit
// together), a short lock_timeout retried with backoff, pacing, progress, and a stop between
// batches on Ctrl-C. Both the generic batched update (batched-update.ts) and the Cortex backfill
// (src/backfill/engine.ts: `next_batch` + `sync_safely` as its body) run on it.
import type { BackfillOptions } from '../backfill/engine.js';
import { progressOf } from '../backfill/progress.js';
import type { Sql } from '../db/client.js';
import { withLockRetry } from '../db/retry.js';
import { rollbackUnlessLost } from '../db/transaction.js';
import { CortexError } from '../errors.js';
import { createGovernor, type Governor } from '../governor/governor.js';
import type { RunSettings } from '../plan/model.js';
import { stopped, throwIfStopped } from '../runner/interrupt.js';

/** What one batch did: how many keys it took (0: the job is done), rows it changed, where the next one starts. */
export interface BatchResult<C> {
  keys: number;
  /** Rows the batch's work changed (default: its keys). */
  rows?: number;
  cursor: C;
}

/**
 * One batch, run inside its transaction: take the keys after `cursor`, do the work, move the
 * checkpoint (in `tx`, so it commits with the work), and say where the next batch starts.
 * `size` is the batch size to take this time (the governor's).
 */
export type BatchBody<C> = (tx: Sql, cursor: C, size: number) => Promise<BatchResult<C>>;

/** Where a loop starts and how big its job is, for progress. */
export interface LoopStart<C> {
  /** Name shown in progress lines (e.g. the table). */
  label: string;
  cursor: C;
  /** Keys already done by earlier runs (from the checkpoint). */
  doneAtStart: number;
  /** Keys in the whole job, done or not (an estimate is fine). */
  total: number;
}

/** What the loop did in this run. */
export interface LoopOutcome<C> {
  keys: number;
  rows: number;
  batches: number;
  cursor: C;
}

// Below deadlock_timeout (1 s): when a batch and an application transaction wait on each other,
// the batch gives up first and is retried; the application's transaction is never the victim.
const BATCH_LOCK_TIMEOUT_MS = 500;

// A batch starts with the caller's transaction open: our COMMIT would commit the caller's work
// piecemeal. SAVEPOINT is refused (25P01) exactly when no transaction block is open.
async function assertNoOpenTransaction(sql: Sql): Promise<void> {
  try {
    await sql`savepoint cortex_batch_probe`;
  } catch (err) {
    if ((err as { code?: string }).code === '25P01') return;
    throw err;
  }
  await sql`release savepoint cortex_batch_probe`;
  throw new CortexError('USAGE', 'batched work commits once per batch: run it from a step with `transactional = false`');
}

/**
 * Run `body` batch after batch on `sql` (one connection, not in a transaction: a non-transactional
 * step's `ctx.sql`) until a batch takes no keys. Each batch is its own transaction with a short
 * lock_timeout, retried whole on a lock timeout or deadlock; the throttle's pause after each commit,
 * then progress; a stop signal ends the loop between batches (the committed batches stay).
 */
export async function batchLoop<C>(
  sql: Sql,
  settings: RunSettings,
  opts: BackfillOptions,
  start: LoopStart<C>,
  body: BatchBody<C>,
): Promise<LoopOutcome<C>> {
  await assertNoOpenTransaction(sql);
  const startedAt = Date.now();
  // A shared governor (several workers) is its owner's to close; one made here is the loop's.
  const governor = opts.governor ?? createGovernor(opts, stopped);
  try {
    return await loop(sql, settings, opts, start, body, governor, startedAt);
  } finally {
    if (!opts.governor) await governor.close();
  }
}

async function loop<C>(sql: Sql, settings: RunSettings, opts: BackfillOptions, start: LoopStart<C>, body: BatchBody<C>, governor: Governor, startedAt: number): Promise<LoopOutcome<C>> {
  let cursor = start.cursor;
  let done = start.doneAtStart;
  let batches = 0;
  let rows = 0;
  for (;;) {
    throwIfStopped();
    const size = await governor.beforeBatch(stopped);
    const batchStarted = Date.now();
    const result = await withLockRetry(
      async () => {
        await sql`begin`;
        try {
          await sql`select set_config('lock_timeout', ${`${Math.min(settings.lockTimeoutMs, BATCH_LOCK_TIMEOUT_MS)}ms`}, true),
                           set_config('statement_timeout', ${`${settings.statementTimeoutMs}ms`}, true)`;
          const r = await body(sql, cursor, size);
          await sql`commit`;
          return r;
        } catch (err) {
          await rollbackUnlessLost(sql, err);
          throw err;
        }
      },
      { retries: settings.lockRetries },
    );
    // Only a committed batch moves the cursor: a retried one starts again from the same place.
    cursor = result.cursor;
    if (result.keys === 0) break;
    done += result.keys;
    rows += result.rows ?? result.keys;
    batches++;
    await opts.afterBatch?.(start.label, batches);
    await governor.afterBatch(result.keys, Date.now() - batchStarted, stopped);
    // After the throttle's pause: the rate shown is the one achieved, pauses included, not the
    // batch's own speed (which a ceiling of 4,000 rows/s showed as up to 62,000).
    opts.onProgress?.(progressOf(start.label, done, Math.max(done, start.total), start.doneAtStart, startedAt));
  }
  return { keys: done - start.doneAtStart, rows, batches, cursor };
}
