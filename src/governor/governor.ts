// The batch governor: one per process, shared by every batch loop and worker of it. Before each
// batch it holds while the work is paused (`cortex backfill pause`), the DBA's throttle query
// returns true (or fails), or a replica lags beyond --max-replica-lag; after each batch it sizes
// the next and paces the loop (controller.ts) from what its probes see (probe.ts), within
// --max-rows-per-second and --batch-delay. `--no-governor` keeps the holds and the fixed pace.
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from '../db/client.js';
import { type ControlLimits, type ControlState, decide, initialState, ratePause, replicaHold } from './controller.js';
import { pauseReason, readPause } from './control.js';
import type { GovernorOptions } from './options.js';
import { type Baseline, Prober, signalsOf } from './probe.js';
import { forgetGovernor, RECORD_EVERY_MS, recordGovernor } from './record.js';
import { Serial } from './serial.js';
import { firstLine, runThrottleQuery } from './throttle-query.js';

/** What the governor is doing now, for progress lines, status and reports. */
export interface GovernorState {
  /** The batch size the next batch should take. */
  readonly batchSize: number;
  /** Achieved rate over the last few seconds. */
  readonly rowsPerSecond: number;
  /** Currently slowed down or holding. */
  readonly throttled: boolean;
  /** e.g. 'latency 2.4x baseline', 'throttle query', 'paused by alice@host', 'replica lag 12 s', 'max-rows-per-second'. */
  readonly reason: string | null;
  /** Holding before a batch (paused, throttle query, replica lag) rather than slowed between batches. */
  readonly holding?: boolean;
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

/** How often a held loop looks again (ms). */
export const HOLD_POLL_MS = 1_000;
/** The throttle query runs at most this often while batches run (ms). */
export const THROTTLE_QUERY_EVERY_MS = 1_000;
// The rate shown is over this many recent ms.
const RATE_WINDOW_MS = 5_000;

/** The kind of a reason, as the report totals it: `latency 2.4x baseline` → `latency`. */
export function reasonKind(reason: string): string {
  const kinds = ['latency', 'blocking', 'sessions waiting', 'replica lag', 'throttle query failing', 'throttle query', 'paused', 'max-rows-per-second', 'batch-delay'];
  const k = kinds.find((x) => reason.startsWith(x)) ?? reason;
  return k === 'blocking' ? 'blocking sessions' : k === 'sessions waiting' ? 'WAL/IO waits' : k;
}

/** Where the governor talks to the server. */
export interface GovernorConnections {
  /** A connection of its own (probes every PROBE_EVERY_MS; closed by `close`), or null. */
  readonly own: Sql | null;
  /**
   * Without one of its own: the loop's connection, used between batches for the holds only (no
   * latency probes: it is busy while batches run).
   */
  readonly loop?: Sql;
}

/** The governor of batch loops; see the file's comment. */
export class BatchGovernor implements Governor {
  private control: ControlState;
  private readonly limits: ControlLimits;
  private readonly serial = new Serial();
  private readonly prober?: Prober;
  private baselineTaken?: Promise<Baseline>;
  private holdReason: string | null = null;
  private slowReason: string | null = null;
  private throttleQueryAt = -Infinity;
  private throttleQueryHold: string | null = null;
  private readonly throttled = new Map<string, number>();
  private recent: ReadonlyArray<{ at: number; rows: number }> = [];
  private readonly started: number;
  private checking?: Promise<string | null>;
  private recordedAt = -Infinity;
  // Batches between beforeBatch and afterBatch (several with workers): the probes mark their samples busy.
  private inFlight = 0;
  // When the rows done so far are due under --max-rows-per-second (ms).
  private capNext = -Infinity;

  constructor(
    private readonly options: GovernorOptions,
    private readonly conns: GovernorConnections,
    private readonly now: () => number = Date.now,
  ) {
    this.limits = {
      latencyBudget: options.latencyBudget,
      maxBatchSize: options.maxBatchSize,
      targetBatchMs: options.targetBatchMs,
      minPauseMs: options.minPauseMs,
      ...(options.maxReplicaLagMs !== undefined ? { maxReplicaLagMs: options.maxReplicaLagMs } : {}),
    };
    this.control = initialState(this.limits);
    this.started = now();
    if (options.enabled && conns.own) this.prober = new Prober(conns.own, this.serial, now, () => this.inFlight > 0);
  }

  private get side(): Sql | undefined {
    return this.conns.own ?? this.conns.loop;
  }

  private account(reason: string, ms: number): void {
    if (ms <= 0) return;
    const k = reasonKind(reason);
    this.throttled.set(k, (this.throttled.get(k) ?? 0) + ms);
  }

  // Why the loop must hold now, or null: the pause switch, the throttle query, replica lag.
  private async holdNow(): Promise<string | null> {
    const sql = this.side;
    if (sql) {
      const pause = await this.serial.run(() => readPause(sql));
      if (pause.paused) return pauseReason(pause);
      const q = this.options.throttleQuery;
      // While it holds, the query is asked at every poll; while it lets go, at most once a second.
      if (q && (this.throttleQueryHold !== null || this.now() - this.throttleQueryAt >= THROTTLE_QUERY_EVERY_MS)) {
        this.throttleQueryAt = this.now();
        try {
          this.throttleQueryHold = (await this.serial.run(() => runThrottleQuery(sql, q))) ? 'throttle query returns true' : null;
        } catch (err) {
          // A query that worked at the start and fails now: hold rather than run unthrottled.
          this.throttleQueryHold = `throttle query failing: ${firstLine(err)}`;
        }
      }
      if (this.throttleQueryHold) return this.throttleQueryHold;
    }
    if (this.prober && this.baselineTaken) {
      const lag = replicaHold(this.limits, signalsOf(await this.baselineTaken, this.prober.window()));
      if (lag) return lag;
    }
    return null;
  }

  // For `status`: this process's state in the ledger, every RECORD_EVERY_MS at most (own connection only).
  private async recordIfDue(): Promise<void> {
    const own = this.conns.own;
    if (!own || this.now() - this.recordedAt < RECORD_EVERY_MS) return;
    this.recordedAt = this.now();
    const state = this.state();
    const summary = this.summary();
    // Best effort: status is told what it can be; a failing write never stops the work.
    await this.serial.run(() => recordGovernor(own, state, summary)).catch(() => {});
  }

  // Workers asking at the same time share one check.
  private check(): Promise<string | null> {
    this.checking ??= this.holdNow().finally(() => (this.checking = undefined));
    return this.checking;
  }

  async beforeBatch(signal?: AbortSignal): Promise<number> {
    if (this.prober && !this.baselineTaken) {
      this.baselineTaken = this.prober.baseline();
      await this.baselineTaken;
      this.prober.start();
    }
    for (;;) {
      const hold = await this.check();
      this.holdReason = hold;
      if (!hold || signal?.aborted) break;
      await this.recordIfDue();
      const t0 = this.now();
      await sleep(HOLD_POLL_MS, undefined, { signal }).catch(() => {});
      this.account(hold, this.now() - t0);
    }
    this.holdReason = null;
    this.inFlight++;
    return this.options.enabled ? this.control.batchSize : this.options.maxBatchSize;
  }

  async afterBatch(rows: number, ms: number, signal?: AbortSignal): Promise<void> {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const now = this.now();
    this.recent = [...this.recent.filter((r) => r.at >= now - RATE_WINDOW_MS), { at: now, rows }];
    let pause = this.options.minPauseMs;
    let reason: string | null = pause > 0 ? 'batch-delay' : null;
    if (this.options.enabled) {
      const base = this.baselineTaken ? await this.baselineTaken : undefined;
      const signals = base && this.prober ? signalsOf(base, this.prober.window(), this.prober.idle()) : { baselineMs: 0, blocked: 0, extraWaits: 0 };
      const d = decide(this.limits, this.control, signals, rows, ms, now);
      this.control = d.state;
      // For tuning: every decision with what it was made from, one JSON line each.
      const trace = process.env.CORTEX_GOVERNOR_TRACE;
      if (trace) appendFileSync(trace, `${JSON.stringify({ t: now - this.started, rows, ms: Math.round(ms), ...signals, ...d.state, pauseMs: d.pauseMs, reason: d.reason })}\n`);
      if (d.pauseMs > pause) {
        pause = d.pauseMs;
        reason = d.reason;
      }
    }
    // The cap's schedule starts at the batch's own start: its rows are due their share of a second from then.
    const cap = ratePause(this.options.maxRowsPerSecond, rows, Math.max(this.capNext, now - ms), now);
    this.capNext = cap.next;
    if (cap.pauseMs > pause) {
      pause = cap.pauseMs;
      reason = 'max-rows-per-second';
    }
    this.slowReason = reason;
    await this.recordIfDue();
    if (pause <= 0 || signal?.aborted) return;
    const t0 = this.now();
    await sleep(pause, undefined, { signal }).catch(() => {});
    if (reason) this.account(reason, this.now() - t0);
  }

  state(): GovernorState {
    const now = this.now();
    const recent = this.recent.filter((r) => r.at >= now - RATE_WINDOW_MS);
    const span = Math.min(RATE_WINDOW_MS, now - this.started);
    const rows = recent.reduce((n, r) => n + r.rows, 0);
    const reason = this.holdReason ?? this.slowReason;
    return {
      batchSize: this.options.enabled ? this.control.batchSize : this.options.maxBatchSize,
      rowsPerSecond: span > 0 ? Math.round((rows / span) * 1000) : 0,
      throttled: reason !== null,
      reason,
      holding: this.holdReason !== null,
    };
  }

  summary(): { readonly throttledMs: number; readonly byReason: Readonly<Record<string, number>> } {
    const byReason = Object.fromEntries([...this.throttled].map(([k, v]) => [k, Math.round(v)]));
    return { throttledMs: Object.values(byReason).reduce((a, b) => a + b, 0), byReason };
  }

  /** The baseline, once taken (for status and tests). */
  async baseline(): Promise<Baseline | undefined> {
    return this.baselineTaken;
  }

  async close(): Promise<void> {
    this.prober?.stop();
    // Let a probe in flight finish before the connection goes.
    const own = this.conns.own;
    if (!own) return;
    await this.serial.run(() => forgetGovernor(own)).catch(() => {});
    await own.end({ timeout: 5 });
  }
}
