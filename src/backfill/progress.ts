/** Progress of one table's backfill. */
export interface Progress {
  table: string;
  done: number;
  total: number;
  /** Rows per second over this run. */
  rate: number;
  /** Seconds left at the current rate, if known. */
  etaSeconds?: number;
}

/** Compute rate and ETA from counts and the run's start time. */
export function progressOf(table: string, done: number, total: number, doneAtStart: number, startedAt: number): Progress {
  const seconds = Math.max(0.001, (Date.now() - startedAt) / 1000);
  const rate = (done - doneAtStart) / seconds;
  const left = Math.max(0, total - done);
  return { table, done, total, rate, ...(rate > 0 ? { etaSeconds: left / rate } : {}) };
}

/** One line: `crm.tasks 12,000/30,000 (40%) 8,500 rows/s, ETA 2s`. */
export function formatProgress(p: Progress, width = 0): string {
  const pct = p.total > 0 ? Math.min(100, Math.floor((p.done / p.total) * 100)) : 100;
  const bar = width > 0 ? `[${'#'.repeat(Math.round((pct / 100) * width)).padEnd(width, '.')}] ` : '';
  const eta = p.etaSeconds !== undefined ? `, ETA ${Math.ceil(p.etaSeconds)}s` : '';
  return `${bar}${p.table} ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} (${pct}%) ${Math.round(p.rate).toLocaleString('en-US')} rows/s${eta}`;
}
