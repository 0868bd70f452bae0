/** Progress of one table's backfill. */
export interface Progress {
  table: string;
  done: number;
  total: number;
  /** Rows per second over this run. */
  rate: number;
  /** Seconds left at the current rate, if known. */
  etaSeconds?: number;
  /** Which of the step's tables this is (1-based), when the step walks several. */
  position?: { index: number; count: number };
}

/** Compute rate and ETA from counts and the run's start time. */
export function progressOf(table: string, done: number, total: number, doneAtStart: number, startedAt: number): Progress {
  const seconds = Math.max(0.001, (Date.now() - startedAt) / 1000);
  const rate = (done - doneAtStart) / seconds;
  const left = Math.max(0, total - done);
  return { table, done, total, rate, ...(rate > 0 ? { etaSeconds: left / rate } : {}) };
}

/** A duration for people: `45s`, `12m05s`, `3h20m`. */
export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 120) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 7200) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
}

/** One line: `crm.tasks (table 15/22) 12,000/30,000 (40%) 8,500 rows/s, ETA 2s`. */
export function formatProgress(p: Progress, width = 0): string {
  const pct = p.total > 0 ? Math.min(100, Math.floor((p.done / p.total) * 100)) : 100;
  const bar = width > 0 ? `[${'#'.repeat(Math.round((pct / 100) * width)).padEnd(width, '.')}] ` : '';
  const at = p.position ? ` (table ${p.position.index}/${p.position.count})` : '';
  const eta = p.etaSeconds !== undefined ? `, ETA ${formatDuration(p.etaSeconds)}` : '';
  return `${bar}${p.table}${at} ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} (${pct}%) ${Math.round(p.rate).toLocaleString('en-US')} rows/s${eta}`;
}
