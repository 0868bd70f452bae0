// The pace of batched work (the backfill, a plan's batched updates, and their undoing): the same
// three options on every command that runs steps which batch.
import type { Command } from 'commander';
import { CortexError } from '../errors.js';
import { positiveInt } from './shell.js';

/** The batch options as commander parses them. */
export interface BatchFlags {
  batchSize?: string;
  batchDelay?: string;
  maxRowsPerSecond?: string;
  workers?: string;
}

/** Add --batch-size, --batch-delay and --max-rows-per-second to a command. */
export function withBatchOptions(command: Command): Command {
  return command
    .option('--batch-size <n>', 'batched work (backfill): rows per batch (default: 5000)')
    .option('--batch-delay <ms>', 'batched work: pause between batches (default: 0)')
    .option('--max-rows-per-second <n>', 'batched work: throttle to at most this many rows per second');
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
  return extra;
}
