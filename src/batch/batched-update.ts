// A generic batched update for TypeScript steps: walk one table's single-column key in keyset
// batches and do the caller's work for each batch's keys, one transaction per batch with its
// checkpoint, so a rerun after a crash (kill -9, a lost server) continues after the last commit.
import { type BackfillOptions, backfillOptions } from '../backfill/engine.js';
import type { Progress } from '../backfill/progress.js';
import type { Sql } from '../db/client.js';
import type { StepContext } from '../plan/model.js';
import { advanceCheckpoint, openCheckpoint, readCheckpoint } from './checkpoint.js';
import { type KeyBatch, type KeysetTable, assertKeysetKey, countAfter, nextKeys, tableName } from './keyset.js';
import { batchLoop } from './loop.js';

/** What to walk and what to do per batch. */
export interface BatchedUpdate extends KeysetTable {
  /**
   * Name of the checkpoint, unique per piece of work (e.g. `aurora-merge/org-id/up/messages`): a
   * rerun with the same name resumes it. Clear it (`clearCheckpoint`) once the work is undone.
   */
  job: string;
  /**
   * The work for one batch, in the batch's transaction (`tx`): e.g.
   * tx`update t set c = … where id = any(${b.keys}::uuid[]) and c is null`. Returns the rows it
   * changed (reported as the step's rows), or nothing to count the batch's keys.
   */
  work(tx: Sql, batch: KeyBatch): Promise<number | void>;
}

/** What a batched update did in this run. */
export interface BatchedUpdateResult {
  /** `schema.table`. */
  table: string;
  /** Keys walked in this run. */
  keys: number;
  /** Rows the work changed in this run. */
  rows: number;
  /** Batches committed in this run. */
  batches: number;
  /** This run continued a checkpoint left by an earlier one (interrupted or already finished). */
  resumed: boolean;
  /** The checkpoint said the job was already finished: nothing was walked. */
  alreadyFinished: boolean;
  ms: number;
}

/**
 * Run `spec` from a non-transactional step (`ctx.sql` not in a transaction): keyset batches of
 * `--batch-size` keys (default 5000), paced by `--batch-delay`/`--max-rows-per-second`, progress
 * through `ctx.progress`, a short lock_timeout retried per batch, a stop between batches on
 * Ctrl-C, and the checkpoint `spec.job` committed with every batch. `overrides` replace the
 * command's options (tests, or a step that knows better).
 */
export async function batchedUpdate(ctx: StepContext, spec: BatchedUpdate, overrides: Partial<BackfillOptions> = {}): Promise<BatchedUpdateResult> {
  const { sql, settings } = ctx;
  const started = Date.now();
  const table = tableName(spec);
  await assertKeysetKey(sql, spec);
  const before = await readCheckpoint(sql, spec.job);
  if (before?.finished) {
    return { table, keys: 0, rows: 0, batches: 0, resumed: true, alreadyFinished: true, ms: Date.now() - started };
  }
  const cursor = before?.lastKey ?? null;
  const doneAtStart = before?.rowsDone ?? 0;
  const total = doneAtStart + (await countAfter(sql, spec, cursor));
  await openCheckpoint(sql, spec.job, total);
  const opts: BackfillOptions = {
    ...backfillOptions(settings),
    ...(ctx.progress ? { onProgress: (p: Progress) => ctx.progress!(p) } : {}),
    ...overrides,
  };
  const out = await batchLoop(sql, settings, opts, { label: table, cursor, doneAtStart, total }, async (tx, from, size) => {
    const batch = await nextKeys(tx, spec, from, size);
    const changed = batch ? await spec.work(tx, batch) : 0;
    await advanceCheckpoint(tx, spec.job, batch?.last ?? null, batch?.keys.length ?? 0);
    // The loop counts a batch once it commits, so a batch retried after a lock timeout counts once.
    return { keys: batch?.keys.length ?? 0, rows: changed ?? batch?.keys.length ?? 0, cursor: batch?.last ?? from };
  });
  return { table, keys: out.keys, rows: out.rows, batches: out.batches, resumed: doneAtStart > 0, alreadyFinished: false, ms: Date.now() - started };
}
