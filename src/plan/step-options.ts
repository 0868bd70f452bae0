// The options a command hands to the steps it runs (the backfill's pace, the archive's backup, a
// rollback's --force): one typed, strict object, so a step reads a known option or fails to compile.
import { z } from 'zod';

/** The options steps read; every one optional, with its default where it is read. */
export const StepOptionsSchema = z.strictObject({
  /** Backfill: rows per batch (default 5000). */
  batchSize: z.number().int().positive().max(1_000_000).optional(),
  /** Backfill: pause between batches, in milliseconds (default 0). */
  batchDelayMs: z.number().int().nonnegative().optional(),
  /** Backfill: a hard cap on rows per second (0: none). */
  maxRowsPerSecond: z.number().nonnegative().optional(),
  /** Batched work: adapt batch size and pace to the server (default true; false: --no-governor). */
  governor: z.boolean().optional(),
  /** Batched work: probe latency may be this many times the baseline's (default 1.5). */
  latencyBudget: z.number().gt(1).max(100).optional(),
  /** Batched work: aim for batches of about this long, in milliseconds (default 100). */
  batchTargetMs: z.number().int().min(10).max(60_000).optional(),
  /** Batched work: hold while a replica's replay lag exceeds this, in milliseconds. */
  maxReplicaLagMs: z.number().nonnegative().optional(),
  /** Batched work: hold while this read-only query returns true. */
  throttleQuery: z.string().min(1).optional(),
  /** Backfill: workers of this process, each on its own connection (default 1). */
  workers: z.number().int().positive().max(64).optional(),
  /** Archive: proceed without a pg_dump backup when no compatible pg_dump is installed. */
  skipBackup: z.boolean().optional(),
  /** Archive: days the *_deprecated schemas are kept before purge is allowed (default 30). */
  retainDays: z.number().int().nonnegative().optional(),
  /** Archive: where the pg_dump file goes (default ./backups). */
  backupDir: z.string().min(1).optional(),
  /** Rollback: revert even when a precondition of the phase's down would refuse. */
  force: z.boolean().optional(),
});

/** Parsed step options. */
export type StepOptions = z.infer<typeof StepOptionsSchema>;

/** Validate the options a command assembled (a wrong one is a bug of the command: it throws). */
export function stepOptions(raw: Record<string, unknown>): StepOptions {
  return StepOptionsSchema.parse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
}
