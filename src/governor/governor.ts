// STAND-IN for helper G's governor (issue #34): exactly the interface both helpers share, and a
// minimal governor that only paces (--batch-delay, --max-rows-per-second) as the loop's throttle
// did. The merge replaces this file by G's; `createGovernor` is the one call to map to G's factory.
import { setTimeout as sleep } from 'node:timers/promises';

/** What the governor is doing now, for progress lines, status and reports. */
export interface GovernorState {
  readonly batchSize: number;
  readonly rowsPerSecond: number;
  readonly throttled: boolean;
  readonly reason: string | null;
}

/** One governor per process, shared by every worker of that process. */
export interface Governor {
  /** Wait until a batch may start (paused, throttle query true, over budget: hold); returns the batch size to take. */
  beforeBatch(signal?: AbortSignal): Promise<number>;
  /** Account for a committed batch of `rows` that took `ms`; adapt size and pacing; may sleep. */
  afterBatch(rows: number, ms: number, signal?: AbortSignal): Promise<void>;
  state(): GovernorState;
  /** Totals for the phase report: ms throttled, by reason. */
  summary(): { readonly throttledMs: number; readonly byReason: Readonly<Record<string, number>> };
  /** Stop probing (closes the governor's own probe connection). */
  close(): Promise<void>;
}

/** The pace a governor is made from (the backfill options). */
export interface GovernorOptions {
  readonly batchSize: number;
  readonly batchDelayMs: number;
  readonly maxRowsPerSecond?: number;
}

const WINDOW_MS = 5000;

/**
 * A governor that keeps a fixed batch size and paces to the options. Shared by several workers,
 * the cap is the process's: each batch takes the next slot of rows/cap seconds, so an idle spell
 * (a wait for the next table) never lets a burst catch up past the cap.
 */
export function createGovernor(opts: GovernorOptions, signal?: AbortSignal): Governor {
  const cap = opts.maxRowsPerSecond && opts.maxRowsPerSecond > 0 ? opts.maxRowsPerSecond : undefined;
  const recent: Array<{ at: number; rows: number }> = [];
  let slot = 0;
  let throttledMs = 0;
  let held = false;
  const reason = 'max-rows-per-second';
  return {
    beforeBatch: async () => opts.batchSize,
    afterBatch: async (rows, ms) => {
      const now = Date.now();
      recent.push({ at: now, rows });
      while (recent.length > 0 && recent[0]!.at < now - WINDOW_MS) recent.shift();
      let wait = opts.batchDelayMs;
      if (cap) {
        slot = Math.max(slot, now - ms) + (rows / cap) * 1000;
        wait = Math.max(wait, slot - now);
      }
      held = wait > opts.batchDelayMs;
      if (held) throttledMs += wait - opts.batchDelayMs;
      if (wait > 0 && !signal?.aborted) await sleep(wait, undefined, { signal }).catch(() => {});
    },
    state: () => {
      const rows = recent.reduce((n, r) => n + r.rows, 0);
      const span = recent.length > 0 ? Math.max(1000, Date.now() - recent[0]!.at) : 1000;
      return { batchSize: opts.batchSize, rowsPerSecond: Math.round((rows / span) * 1000), throttled: held, reason: held ? reason : null };
    },
    summary: () => ({ throttledMs, byReason: (throttledMs > 0 ? { [reason]: throttledMs } : {}) as Record<string, number> }),
    close: async () => {},
  };
}
