// The governor's settings, read from a command's step options (CLI flags over config `backfill`),
// with the defaults in one place.
import type { StepOptions } from '../plan/step-options.js';

/** What the governor works within. */
export interface GovernorOptions {
  /** Adapt size and pace (false: --no-governor, the fixed pace of --batch-size/--batch-delay). */
  readonly enabled: boolean;
  /** Probe latency may be this many times the baseline's. */
  readonly latencyBudget: number;
  /** The largest (and first) batch: --batch-size. */
  readonly maxBatchSize: number;
  /** Aim for batches of about this long (ms). */
  readonly targetBatchMs: number;
  /** The shortest pause between batches: --batch-delay (ms). */
  readonly minPauseMs: number;
  /** Hard cap: --max-rows-per-second. */
  readonly maxRowsPerSecond?: number;
  /** Replica replay lag that holds the loop (ms). */
  readonly maxReplicaLagMs?: number;
  /** The DBA's throttle query. */
  readonly throttleQuery?: string;
}

/** Default --batch-size. */
export const DEFAULT_BATCH_SIZE = 5000;
/**
 * Default --latency-budget: probe latency up to 1.5 times the baseline's. Chosen from the bench
 * (bench/metrics/oltp.ts): see docs/runbook.md, section Throttling, for the measurements.
 */
export const DEFAULT_LATENCY_BUDGET = 1.5;
/**
 * Default target time per batch (config backfill.batchTargetMs): 500 ms, as Spirit's default. On
 * the bench, 500 ms batches with longer pauses copied as many or twice the rows a second of 100 ms
 * ones under the same budget, with no worse a tail for the application (docs/scale-out.md).
 */
export const DEFAULT_TARGET_BATCH_MS = 500;

/**
 * Whether the governor adapts when neither a flag nor the config says: on, unless the environment
 * says `CORTEX_GOVERNOR=off` (a CI or test machine whose load is other jobs, not an application).
 */
export function governorDefault(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CORTEX_GOVERNOR?.trim().toLowerCase() !== 'off';
}

/** The governor's settings from step options, with defaults. */
export function governorOptions(o: StepOptions): GovernorOptions {
  return {
    enabled: o.governor ?? governorDefault(),
    latencyBudget: o.latencyBudget ?? DEFAULT_LATENCY_BUDGET,
    maxBatchSize: o.batchSize ?? DEFAULT_BATCH_SIZE,
    targetBatchMs: o.batchTargetMs ?? DEFAULT_TARGET_BATCH_MS,
    minPauseMs: o.batchDelayMs ?? 0,
    ...(o.maxRowsPerSecond ? { maxRowsPerSecond: o.maxRowsPerSecond } : {}),
    ...(o.maxReplicaLagMs !== undefined ? { maxReplicaLagMs: o.maxReplicaLagMs } : {}),
    ...(o.throttleQuery ? { throttleQuery: o.throttleQuery } : {}),
  };
}
