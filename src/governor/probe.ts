// The governor's view of the server, from a connection of its own: the time of a tiny transaction
// that is given an xid (its commit flushes WAL as an application's commit does, so it waits
// behind the backfill's WAL and for the CPU the backfill takes), a plain round trip, and a look
// at pg_stat_activity and pg_stat_replication. A baseline before the first batch, then one probe
// every PROBE_EVERY_MS while the batches run. Each probe is marked busy (a batch ran during it) or
// idle: the busy ones of the last WINDOW_MS are judged against the idle ones of the last
// REFERENCE_MS, so what is measured is the batches' own cost. When the server gets slower for
// reasons of its own (the application's load grows, phase 4's dual-write makes its writes dearer),
// the pauses show it too, and the loop is not held back for what it does not cause.
import { readFileSync } from 'node:fs';
import type { Sql } from '../db/client.js';
import { packagePath } from '../paths.js';
import type { Signals } from './controller.js';
import { Serial } from './serial.js';

/** One probe's measurements. */
export interface Sample {
  /** When it was taken (ms, the governor's clock). */
  readonly at: number;
  /** begin; select pg_current_xact_id(); commit — all three round trips (ms). */
  readonly xactMs: number;
  /** select 1 (ms). */
  readonly rttMs: number;
  readonly waits: number;
  readonly blocked: number;
  readonly lagMs?: number;
  /** A batch was running at the start or the end of the probe. */
  readonly busy?: boolean;
}

/** The baseline the window is judged against. */
export interface Baseline {
  readonly xactMs: number;
  readonly rttMs: number;
  /** Other sessions waiting on WAL/IO/locks, on average. */
  readonly waits: number;
}

/** Idle samples of the last REFERENCE_MS replace the baseline once there are this many. */
export const MIN_IDLE_SAMPLES = 10;
/** Busy samples of the window are judged alone once there are this many. */
export const MIN_BUSY_SAMPLES = 5;

/** Probes between batches this often (ms). */
export const PROBE_EVERY_MS = 100;
/** The window the recent latency is taken over (ms). */
export const WINDOW_MS = 2_000;
/** Idle samples are kept this long, as the reference the window is judged against (ms). */
export const REFERENCE_MS = 30_000;
/** Samples of the baseline. */
export const BASELINE_SAMPLES = 20;

let sampleText: string | undefined;
const sampleSql = () => (sampleText ??= readFileSync(packagePath('sql', 'governor', 'sample.sql'), 'utf8'));

/** The q-th quantile (0..1) of `xs` by nearest rank; NaN when empty. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

// The window's statistic: the 95th percentile (19th of 20), so the slow commits the application
// feels in its tail count (its p99 is what suffers first), but one stall (a checkpoint, another
// tenant) does not.
const HIGH = 0.95;

/** The baseline of a set of samples: the same statistic the window is judged by. */
export function baselineOf(samples: readonly Sample[]): Baseline {
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  return {
    xactMs: quantile(samples.map((s) => s.xactMs), HIGH),
    rttMs: quantile(samples.map((s) => s.rttMs), HIGH),
    waits: mean(samples.map((s) => s.waits)),
  };
}

/**
 * The controller's signals: the window's busy samples (all of them while there are few) against
 * the idle samples of the reference period (the baseline while there are few).
 */
export function signalsOf(base: Baseline, window: readonly Sample[], idle: readonly Sample[] = []): Signals {
  const last = window.at(-1);
  const waits = window.length === 0 ? 0 : window.reduce((n, s) => n + s.waits, 0) / window.length;
  const busy = window.filter((s) => s.busy);
  const judged = busy.length >= MIN_BUSY_SAMPLES ? busy : window;
  const reference = idle.length >= MIN_IDLE_SAMPLES ? quantile(idle.map((s) => s.xactMs), HIGH) : base.xactMs;
  return {
    baselineMs: reference,
    ...(judged.length > 0 ? { recentMs: quantile(judged.map((s) => s.xactMs), HIGH) } : {}),
    blocked: last?.blocked ?? 0,
    extraWaits: Math.max(0, waits - base.waits),
    ...(last?.lagMs !== undefined ? { replicaLagMs: last.lagMs } : {}),
  };
}

/** Take one sample on `sql` (a connection of the governor's, not in a transaction); `busy`: is a batch running now. */
export async function takeSample(sql: Sql, now: () => number, busy: () => boolean = () => false): Promise<Sample> {
  const busyAtStart = busy();
  const t0 = performance.now();
  await sql`select 1`;
  const t1 = performance.now();
  await sql`begin`;
  try {
    await sql`select pg_current_xact_id()`;
    await sql`commit`;
  } catch (err) {
    await sql`rollback`.catch(() => {});
    throw err;
  }
  const t2 = performance.now();
  const [a] = await sql.unsafe<{ waits: number; blocked: number; lag_ms: number | null }[]>(sampleSql());
  return {
    at: now(),
    xactMs: t2 - t1,
    rttMs: t1 - t0,
    waits: a?.waits ?? 0,
    blocked: a?.blocked ?? 0,
    ...(a?.lag_ms !== null && a?.lag_ms !== undefined ? { lagMs: a.lag_ms } : {}),
    busy: busyAtStart || busy(),
  };
}

/** Samples kept over a sliding window, taken on a schedule from the governor's own connection. */
export class Prober {
  private samples: readonly Sample[] = [];
  private timer?: NodeJS.Timeout;
  private baselineValue?: Baseline;
  private failure?: unknown;

  constructor(
    private readonly sql: Sql,
    private readonly serial: Serial,
    private readonly now: () => number = Date.now,
    /** Is a batch running now (the governor counts batches between beforeBatch and afterBatch). */
    private readonly busy: () => boolean = () => false,
  ) {}

  /** The baseline: BASELINE_SAMPLES probes, 50 ms apart, before any batch runs. */
  async baseline(): Promise<Baseline> {
    if (this.baselineValue) return this.baselineValue;
    const taken: Sample[] = [];
    for (let i = 0; i < BASELINE_SAMPLES; i++) {
      taken.push(await this.serial.run(() => takeSample(this.sql, this.now)));
      await new Promise((r) => setTimeout(r, 50));
    }
    this.baselineValue = baselineOf(taken);
    return this.baselineValue;
  }

  /** Probe every PROBE_EVERY_MS until stopped; a failing probe is kept to be thrown by `window`. */
  start(): void {
    if (this.timer) return;
    const tick = async () => {
      try {
        const s = await this.serial.run(() => takeSample(this.sql, this.now, this.busy));
        const since = s.at - REFERENCE_MS;
        this.samples = [...this.samples.filter((x) => x.at >= since), s];
        this.failure = undefined;
      } catch (err) {
        this.failure = err;
      }
      if (this.timer) this.timer = setTimeout(tick, PROBE_EVERY_MS).unref();
    };
    this.timer = setTimeout(tick, PROBE_EVERY_MS).unref();
  }

  /** The samples of the last WINDOW_MS. */
  window(): readonly Sample[] {
    const since = this.now() - WINDOW_MS;
    return this.samples.filter((s) => s.at >= since);
  }

  /** The idle samples of the last REFERENCE_MS. */
  idle(): readonly Sample[] {
    const since = this.now() - REFERENCE_MS;
    return this.samples.filter((s) => s.at >= since && !s.busy);
  }

  /** The last probe's error, if the last probe failed. */
  lastFailure(): unknown {
    return this.failure;
  }

  /** Stop probing (the connection is the governor's to close). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
