import type { GovernorState } from '../governor/governor.js';

/** Rows done of rows total, the rate achieved and the time left: of one table, or of all of them. */
export interface Amount {
  done: number;
  total: number;
  /** Rows per second achieved over this run: rows over elapsed time, throttle pauses included. */
  rate: number;
  /** Seconds left at that rate, if known. */
  etaSeconds?: number;
}

/** Progress of one table's backfill, and of the whole step when it walks several tables. */
export interface Progress extends Amount {
  table: string;
  /** Which of the step's tables this is (1-based), when the step walks several. */
  position?: { index: number; count: number };
  /** Every table of the step together (see phase-progress.ts). */
  phase?: Amount;
  /** What the batch governor is doing (batch size, and why it slows down or holds). */
  governor?: GovernorState;
}

/** Rate and ETA from counts: `doneAtStart` rows were done before `startedAt` (ms), `now` is the clock. */
export function amountOf(done: number, total: number, doneAtStart: number, startedAt: number, now = Date.now()): Amount {
  const seconds = Math.max(0.001, (now - startedAt) / 1000);
  const rate = Math.max(0, done - doneAtStart) / seconds;
  const left = Math.max(0, total - done);
  return { done, total, rate, ...(rate > 0 ? { etaSeconds: left / rate } : {}) };
}

/** Compute rate and ETA from counts and the run's start time. */
export function progressOf(table: string, done: number, total: number, doneAtStart: number, startedAt: number, now = Date.now()): Progress {
  return { table, ...amountOf(done, total, doneAtStart, startedAt, now) };
}

/** A duration for people: `45s`, `12m05s`, `3h20m`. */
export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 120) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 7200) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
}

const percent = (a: Amount) => (a.total > 0 ? Math.min(100, Math.floor((a.done / a.total) * 100)) : 100);

// `12,000/30,000 (40%) 8,500 rows/s, ETA 2s`
function formatAmount(a: Amount): string {
  const eta = a.etaSeconds !== undefined ? `, ETA ${formatDuration(a.etaSeconds)}` : '';
  return `${a.done.toLocaleString('en-US')}/${a.total.toLocaleString('en-US')} (${percent(a)}%) ${Math.round(a.rate).toLocaleString('en-US')} rows/s${eta}`;
}

// `, batch 1,200, slowed: latency 2.4x baseline` or `, holding: throttle query returns true`.
function formatGovernor(g: GovernorState | undefined): string {
  if (!g) return '';
  if (g.holding && g.reason) return `, holding: ${g.reason}`;
  return `, batch ${g.batchSize.toLocaleString('en-US')}${g.throttled && g.reason ? `, slowed: ${g.reason}` : ''}`;
}

/**
 * One line: `crm.tasks (table 15/22) 12,000/30,000 (40%) 8,500 rows/s, ETA 2s`, then the
 * governor's state (`, batch 1,200, slowed: latency 2.4x baseline`), then with several tables
 * `; all tables 160,000/400,000 (40%) 8,100 rows/s, ETA 30s`. The bar (`width`) is the phase's when known.
 */
export function formatProgress(p: Progress, width = 0): string {
  const pct = percent(p.phase ?? p);
  const bar = width > 0 ? `[${'#'.repeat(Math.round((pct / 100) * width)).padEnd(width, '.')}] ` : '';
  const at = p.position ? ` (table ${p.position.index}/${p.position.count})` : '';
  const phase = p.phase ? `; all tables ${formatAmount(p.phase)}` : '';
  return `${bar}${p.table}${at} ${formatAmount(p)}${formatGovernor(p.governor)}${phase}`;
}
