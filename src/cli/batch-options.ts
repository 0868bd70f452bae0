// The pace of batched work (the backfill, a plan's batched updates, phase 4's replay, and their
// undoing): the same options on every command that runs steps which batch.
import type { Command } from 'commander';
import type { Sql } from '../db/client.js';
import { CortexError } from '../errors.js';
import { DEFAULT_LATENCY_BUDGET } from '../governor/options.js';
import { validateThrottleQuery } from '../governor/throttle-query.js';
import type { RunSettings } from '../plan/model.js';
import { positiveInt } from './shell.js';

/** The batch options as commander parses them. */
export interface BatchFlags {
  batchSize?: string;
  batchDelay?: string;
  maxRowsPerSecond?: string;
  /** False with --no-governor (commander's default is true). */
  governor?: boolean;
  latencyBudget?: string;
  maxReplicaLag?: string;
  throttleQuery?: string;
  workers?: string;
}

/** Add the batch options (size, delay, rate cap, and the governor's) to a command. */
export function withBatchOptions(command: Command): Command {
  return command
    .option('--batch-size <n>', 'batched work (backfill): the largest and first batch, in rows; the governor sizes each batch up to it (default: 5000)')
    .option('--batch-delay <ms>', 'batched work: the shortest pause between batches (default: 0)')
    .option('--max-rows-per-second <n>', 'batched work: a hard cap on rows per second')
    .option('--latency-budget <ratio>', `batched work: slow down while the server's commit latency exceeds this many times its baseline (default: ${DEFAULT_LATENCY_BUDGET})`)
    .option('--max-replica-lag <seconds>', 'batched work: hold while a replica replays more than this far behind')
    .option('--throttle-query <sql>', 'batched work: hold while this read-only query returns true (checked before the run, then about once a second)')
    .option('--no-governor', 'batched work: no adaptation; fixed --batch-size and --batch-delay (pause, throttle query and caps still apply)');
}

// A positive decimal number, or a usage error naming the option.
function positiveNumber(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new CortexError('USAGE', `${name} must be a non-negative number, got "${value}"`);
  return n;
}

/** Add --workers: the backfill workers of this process (migrate phase 3, backfill work). */
export function withWorkersOption(command: Command): Command {
  return command.option('--workers <n>', 'phase 3 backfill: workers in this process, each on its own connection (default: 1; config backfill.workers)');
}

/** The step options they set (only those given: the config file's `backfill` fills the rest). */
export function batchExtra(flags: BatchFlags): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  if (flags.batchSize !== undefined) extra.batchSize = positiveInt('--batch-size', flags.batchSize, 5000);
  if (flags.batchDelay !== undefined) extra.batchDelayMs = positiveInt('--batch-delay', flags.batchDelay, 0);
  if (flags.maxRowsPerSecond !== undefined) extra.maxRowsPerSecond = positiveInt('--max-rows-per-second', flags.maxRowsPerSecond, 0);
  if (flags.workers !== undefined) extra.workers = positiveInt('--workers', flags.workers, 1);
  if (extra.workers === 0 || (extra.workers as number) > 64) throw new CortexError('USAGE', '--workers must be between 1 and 64');
  if (extra.batchSize === 0) throw new CortexError('USAGE', '--batch-size must be at least 1');
  if (flags.batchSize !== undefined && (extra.batchSize as number) > 1_000_000) throw new CortexError('USAGE', '--batch-size must be at most 1000000');
  if (flags.latencyBudget !== undefined) {
    const b = positiveNumber('--latency-budget', flags.latencyBudget);
    if (b <= 1 || b > 100) throw new CortexError('USAGE', `--latency-budget must be a ratio above 1 and at most 100 (e.g. 1.5), got "${flags.latencyBudget}"`);
    extra.latencyBudget = b;
  }
  if (flags.maxReplicaLag !== undefined) extra.maxReplicaLagMs = Math.round(positiveNumber('--max-replica-lag', flags.maxReplicaLag) * 1000);
  if (flags.throttleQuery !== undefined) {
    if (flags.throttleQuery.trim() === '') throw new CortexError('USAGE', '--throttle-query must not be empty');
    extra.throttleQuery = flags.throttleQuery;
  }
  // Only the flag turns it off: without it, the config's `backfill.governor` decides.
  if (flags.governor === false) extra.governor = false;
  return extra;
}

/** Before a run's first batch: a throttle query (flag or config) that fails is a usage error (exit 2). */
export async function checkBatchSettings(sql: Sql, settings: RunSettings): Promise<void> {
  if (!settings.options.throttleQuery) return;
  // One connection: the query runs in a transaction of its own, statement by statement.
  const conn = await sql.reserve();
  try {
    await validateThrottleQuery(conn as unknown as Sql, settings.options.throttleQuery);
  } finally {
    conn.release();
  }
}
