// Batched jobs as `cortex status` shows them: every checkpoint in
// cortex_migration.batch_checkpoints (any plan's TypeScript steps that use src/batch), so an
// interrupted backfill says how far it got, not only that its step failed.
import type { Sql } from '../db/client.js';

/** One batched job's progress, as its checkpoint records it. */
export interface BatchJob {
  job: string;
  rowsDone: number;
  /** Keys the job had when it (last) started; null when not recorded. */
  rowsTotal: number | null;
  batches: number;
  finished: boolean;
  startedAt: string;
  /** When the last batch committed (or the job was opened). */
  updatedAt: string;
}

interface Row {
  job: string;
  rows_done: string;
  rows_total: string | null;
  batches: number;
  finished: boolean;
  started_at: Date;
  updated_at: Date;
}

/** Every batched job's checkpoint, in the order the jobs started; empty without a ledger. Read-only. */
export async function readBatchJobs(sql: Sql): Promise<BatchJob[]> {
  const [ok] = await sql<{ ok: boolean }[]>`select to_regclass('cortex_migration.batch_checkpoints') is not null as ok`;
  if (!ok?.ok) return [];
  const rows = await sql<Row[]>`
    select job, rows_done::text, rows_total::text, batches, finished_at is not null as finished, started_at, updated_at
      from cortex_migration.batch_checkpoints order by started_at, job`;
  return rows.map((r) => ({
    job: r.job,
    rowsDone: Number(r.rows_done),
    rowsTotal: r.rows_total === null ? null : Number(r.rows_total),
    batches: r.batches,
    finished: r.finished,
    startedAt: new Date(r.started_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
}

/** Text lines for `cortex status`: a summary, then one line per job; none when there are no jobs. */
export function formatBatchJobs(jobs: BatchJob[], now = Date.now()): string[] {
  if (jobs.length === 0) return [];
  const fmt = (x: number) => x.toLocaleString('en-US');
  const done = jobs.filter((j) => j.finished).length;
  const rows = jobs.reduce((n, j) => n + j.rowsDone, 0);
  const width = Math.max(...jobs.map((j) => j.job.length));
  const lines = [`batched jobs: ${done}/${jobs.length} finished, ${fmt(rows)} rows`];
  for (const j of jobs) {
    // A job's size is counted when it starts; rows written since can take it past that count.
    const total = Math.max(j.rowsTotal ?? 0, j.rowsDone);
    const pct = total > 0 ? Math.floor((j.rowsDone / total) * 100) : j.finished ? 100 : 0;
    const ago = Math.max(0, Math.round((now - Date.parse(j.updatedAt)) / 1000));
    const state = j.finished ? 'finished' : 'not finished';
    lines.push(`  ${j.job.padEnd(width)}  ${fmt(j.rowsDone)}/${fmt(total)} (${pct}%), ${j.batches} ${j.batches === 1 ? 'batch' : 'batches'}, ${state}, last update ${ago}s ago (${j.updatedAt})`);
  }
  return lines;
}
