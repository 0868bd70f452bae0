// The governor's decisions, as a pure function of what it measured: no clock, no connection, so
// every rule is tested by its inputs and outputs. Two loops, as Spirit and gh-ost teach:
// - the batch size follows a target time per batch (rows per ms of the last batches × target),
//   within [MIN_BATCH, the configured maximum], growing by at most half per batch;
// - the share of time spent running batches (the duty cycle) is additive-increase,
//   multiplicative-decrease: halved while the server is over budget, raised slowly (per second,
//   not per batch: small batches would otherwise climb back in a moment) while under.
// A hold (pause, throttle query, replica lag) is decided by the caller before a batch; here only
// the signals that slow the loop down.

/** The configured limits the controller works within. */
export interface ControlLimits {
  /** Probe latency may be this many times the baseline's (the --latency-budget). */
  readonly latencyBudget: number;
  /** The batch size never exceeds this (--batch-size). */
  readonly maxBatchSize: number;
  /** Aim for batches of about this long, in ms. */
  readonly targetBatchMs: number;
  /** The pause between batches is never shorter than this (--batch-delay). */
  readonly minPauseMs: number;
  /** Replica replay lag above this holds the loop (--max-replica-lag, ms); undefined: no limit. */
  readonly maxReplicaLagMs?: number;
}

/** What the probes saw over their recent window, against the baseline taken before the loop. */
export interface Signals {
  /** The baseline's latency of a tiny committing transaction (ms). */
  readonly baselineMs: number;
  /** The same latency over the recent window (a robust high statistic, ms); undefined: no sample yet. */
  readonly recentMs?: number;
  /** Other sessions waiting on a lock one of ours holds, at the last sample. */
  readonly blocked: number;
  /** Other sessions waiting on WAL or I/O, on average over the window, above the baseline's average. */
  readonly extraWaits: number;
  /** The largest replica replay lag (ms); undefined when there is no replica. */
  readonly replicaLagMs?: number;
}

/** The controller's memory from one decision to the next. */
export interface ControlState {
  readonly batchSize: number;
  /** Fraction of the time spent running batches, in [MIN_DUTY, 1]. */
  readonly duty: number;
  /** Smoothed rows per ms of the batches so far; undefined before the first. */
  readonly rowsPerMs?: number;
  /** The last reason the loop was slowed down for, while the duty cycle recovers from it. */
  readonly cause?: string;
  /** When the duty cycle was last halved (ms, the caller's clock). */
  readonly cutAt?: number;
  /** When the last decision was made (ms, the caller's clock). */
  readonly decidedAt?: number;
}

/** What to do before the next batch. */
export interface Decision {
  readonly state: ControlState;
  /** Sleep this long before the next batch (ms). */
  readonly pauseMs: number;
  /** Why the loop runs slower than it could, or null. */
  readonly reason: string | null;
}

/** The smallest batch the controller takes (a batch has a fixed cost; smaller is all overhead). */
export const MIN_BATCH = 50;
/** The smallest duty cycle: even over budget, the loop runs 2% of the time (it always finishes). */
export const MIN_DUTY = 0.02;
/** Duty added per second under budget (the additive increase): from half back to full in 25 s. */
export const DUTY_STEP = 0.02;
/** The longest time one increase counts (ms): a loop held for minutes does not come back at full duty. */
export const DUTY_STEP_MAX_MS = 5_000;
/** The longest pause between two batches (ms), however small the duty cycle. */
export const MAX_PAUSE_MS = 10_000;
/**
 * After a cut, the duty cycle is not cut again for this long (ms, the probes' window): until the
 * window holds only samples taken since the cut, it still shows the load from before it, and
 * halving once per batch on the same evidence would stall the loop.
 */
export const CUT_COOLDOWN_MS = 2_000;

/** The controller's state before the first batch: full size, full duty. */
export function initialState(limits: ControlLimits): ControlState {
  return { batchSize: Math.max(1, limits.maxBatchSize), duty: 1 };
}

/** Why the server counts as over budget now, or null when it is within it. */
export function overBudget(limits: ControlLimits, s: Signals): string | null {
  if (s.blocked > 0) return `blocking ${s.blocked} session${s.blocked === 1 ? '' : 's'}`;
  if (s.recentMs !== undefined && s.baselineMs > 0) {
    const ratio = s.recentMs / s.baselineMs;
    if (ratio > limits.latencyBudget) return `latency ${ratio.toFixed(1)}x baseline`;
  }
  if (s.extraWaits >= 1) return `sessions waiting on WAL/IO (${s.extraWaits.toFixed(1)})`;
  if (limits.maxReplicaLagMs !== undefined && s.replicaLagMs !== undefined && s.replicaLagMs > limits.maxReplicaLagMs / 2) {
    // Slow down before the limit, which holds the loop outright.
    return `replica lag ${(s.replicaLagMs / 1000).toFixed(1)} s`;
  }
  return null;
}

/** The replica lag that holds the loop outright, as a reason, or null. */
export function replicaHold(limits: ControlLimits, s: Signals): string | null {
  if (limits.maxReplicaLagMs === undefined || s.replicaLagMs === undefined) return null;
  return s.replicaLagMs > limits.maxReplicaLagMs ? `replica lag ${(s.replicaLagMs / 1000).toFixed(1)} s` : null;
}

/** The batch size that takes about `targetBatchMs` at `rowsPerMs`, within the limits and the growth bound. */
export function sizeFor(limits: ControlLimits, current: number, rowsPerMs: number): number {
  const ideal = Math.round(rowsPerMs * limits.targetBatchMs);
  // Grow gradually (one fast batch may be a cached one); shrink at once (a slow one costs now).
  const bounded = Math.min(ideal, Math.ceil(current * 1.5));
  return Math.max(Math.min(MIN_BATCH, limits.maxBatchSize), Math.min(limits.maxBatchSize, bounded));
}

/**
 * After a batch of `rows` that took `ms`, at `now` (ms): the next size, the duty cycle and the
 * pause. Over budget, the duty is halved (at most once per CUT_COOLDOWN_MS); within it, raised by
 * DUTY_STEP per second since the last decision. The pause is what makes the time running batches `duty` of the whole
 * (batch ms × (1 − duty) / duty), never below the minimum pause nor above MAX_PAUSE_MS.
 */
export function decide(limits: ControlLimits, state: ControlState, signals: Signals, rows: number, ms: number, now: number): Decision {
  const measured = rows > 0 && ms > 0 ? rows / ms : undefined;
  // A moving average: one batch slowed by a checkpoint does not halve the next.
  const rowsPerMs = measured === undefined ? state.rowsPerMs : state.rowsPerMs === undefined ? measured : 0.5 * state.rowsPerMs + 0.5 * measured;
  const batchSize = rowsPerMs === undefined ? state.batchSize : sizeFor(limits, state.batchSize, rowsPerMs);
  const reason = overBudget(limits, signals);
  const cut = reason !== null && (state.cutAt === undefined || now - state.cutAt >= CUT_COOLDOWN_MS);
  const elapsed = Math.min(DUTY_STEP_MAX_MS, Math.max(0, state.decidedAt === undefined ? ms : now - state.decidedAt));
  const duty = cut ? Math.max(MIN_DUTY, state.duty / 2) : reason ? state.duty : Math.min(1, state.duty + (DUTY_STEP * elapsed) / 1000);
  const cutAt = cut ? now : state.cutAt;
  const dutyPause = duty >= 1 ? 0 : (ms * (1 - duty)) / duty;
  const pauseMs = Math.round(Math.max(limits.minPauseMs, Math.min(MAX_PAUSE_MS, dutyPause)));
  // Under budget but still easing back from a slow-down: the pause is still that reason's.
  const cause = reason ?? (duty < 1 ? state.cause : undefined);
  return {
    state: { batchSize, duty, ...(rowsPerMs !== undefined ? { rowsPerMs } : {}), ...(cause ? { cause } : {}), ...(cutAt !== undefined ? { cutAt } : {}), decidedAt: now },
    pauseMs,
    reason: reason ?? (cause ? `${cause} (easing back)` : null),
  };
}

/**
 * The pace `--max-rows-per-second` sets, as a schedule: a batch of `rows` is due its share of a
 * second after `from` (when the rows before it were due, or the batch's own start when the loop
 * had fallen behind: time spent slower than the cap, between tables or held, earns no burst
 * later). Returns the pause from `now` until then, and the new schedule; no cap: no pause.
 */
export function ratePause(maxRowsPerSecond: number | undefined, rows: number, from: number, now: number): { pauseMs: number; next: number } {
  if (!maxRowsPerSecond || maxRowsPerSecond <= 0) return { pauseMs: 0, next: now };
  const due = from + (rows / maxRowsPerSecond) * 1000;
  return { pauseMs: Math.max(0, due - now), next: due };
}
