// The parallel backfill as `cortex status` shows it: each live worker (machine, process, chunks
// done, the chunk it holds, rows, last update, the governor's state it recorded) and the chunks
// of each table. Live: not finished, and its work connection's backend still in pg_stat_activity.
import type { Sql } from '../db/client.js';
import type { GovernorState } from '../governor/governor.js';

/** One live worker, as its registry row has it. */
export interface LiveWorker {
  host: string;
  pid: number;
  role: string;
  chunksDone: number;
  /** The chunk it holds (`schema.table #n`), or null between chunks. */
  chunk: string | null;
  rows: number;
  batches: number;
  updatedAt: string;
  governor: GovernorState | null;
}

/** One table's chunks. */
export interface TableChunks {
  table: string;
  chunks: number;
  finished: number;
  /** Held by a live worker now. */
  claimed: number;
  rowsDone: number;
  rowsTotal: number;
}

/** Workers and chunks of the parallel backfill; `exited`: workers that finished, or whose connection ended. */
export interface WorkersState {
  workers: LiveWorker[];
  exited: number;
  tables: TableChunks[];
}

interface WorkerRow {
  host: string;
  pid: number;
  role: string;
  chunks_done: number;
  chunk: string | null;
  rows: string;
  batches: number;
  updated_at: Date;
  governor: GovernorState | null;
  live: boolean;
}

/** Read the workers and chunks; null before phase 3 created the chunk table. Read-only. */
export async function readWorkersState(sql: Sql): Promise<WorkersState | null> {
  const [ok] = await sql<{ ok: boolean }[]>`
    select to_regclass('cortex_migration.backfill_chunks') is not null and to_regclass('cortex_migration.backfill_workers') is not null as ok`;
  if (!ok?.ok) return null;
  const rows = await sql<WorkerRow[]>`
    select w.host, w.pid, w.role, w.chunks_done, w.rows::text, w.batches, w.updated_at, w.governor,
           case when w.cur_table is not null then w.cur_schema || '.' || w.cur_table || ' #' || w.cur_chunk end as chunk,
           w.finished_at is null and exists (select 1 from pg_stat_activity a where a.pid = w.backend_pid
                                               and (a.backend_start = w.backend_start or a.backend_start is null)) as live
      from cortex_migration.backfill_workers w order by w.started_at, w.host, w.pid`;
  const tables = await sql<{ t: string; chunks: number; finished: number; claimed: number; done: string; total: string }[]>`
    select c.old_schema || '.' || c.old_table as t, count(*)::int as chunks,
           count(*) filter (where c.finished_at is not null)::int as finished,
           count(*) filter (where c.finished_at is null and exists (select 1 from pg_stat_activity a where a.pid = c.owner_pid
                              and (a.backend_start = c.owner_start or a.backend_start is null)))::int as claimed,
           sum(c.rows_done)::text as done, sum(c.rows_total)::text as total
      from cortex_migration.backfill_chunks c
      left join cortex_migration.mapped_tables m using (old_schema, old_table)
     group by 1, m.position order by m.position nulls last, 1`;
  return {
    workers: rows.filter((r) => r.live).map((r) => ({
      host: r.host,
      pid: r.pid,
      role: r.role,
      chunksDone: r.chunks_done,
      chunk: r.chunk,
      rows: Number(r.rows),
      batches: r.batches,
      updatedAt: new Date(r.updated_at).toISOString(),
      governor: r.governor,
    })),
    exited: rows.filter((r) => !r.live).length,
    tables: tables.map((t) => ({ table: t.t, chunks: t.chunks, finished: t.finished, claimed: t.claimed, rowsDone: Number(t.done), rowsTotal: Number(t.total) })),
  };
}

function governorText(g: GovernorState | null): string {
  if (!g) return '-';
  const rate = `${g.rowsPerSecond.toLocaleString('en-US')} rows/s, batch ${g.batchSize.toLocaleString('en-US')}`;
  return g.throttled ? `${rate}, throttled${g.reason ? `: ${g.reason}` : ''}` : rate;
}

/**
 * Text lines for `cortex status`: a summary, one line per live worker, the tables finished,
 * part-way and waiting, and the chunks of each part-way table. None before any chunk exists.
 */
export function formatWorkersState(s: WorkersState, now = Date.now()): string[] {
  if (s.tables.length === 0) return [];
  const fmt = (x: number) => x.toLocaleString('en-US');
  const chunks = s.tables.reduce((n, t) => n + t.chunks, 0);
  const finished = s.tables.reduce((n, t) => n + t.finished, 0);
  const lines = [`backfill workers: ${s.workers.length} live${s.exited > 0 ? ` (${s.exited} exited)` : ''}; chunks ${fmt(finished)}/${fmt(chunks)} finished`];
  for (const w of s.workers) {
    const ago = Math.max(0, Math.round((now - Date.parse(w.updatedAt)) / 1000));
    lines.push(`  ${w.host} pid ${w.pid} (${w.role}): ${w.chunksDone} chunks done, ${w.chunk ? `on ${w.chunk}` : 'waiting for a chunk'}, ` +
      `${fmt(w.rows)} rows in ${fmt(w.batches)} batches, last update ${ago}s ago; governor ${governorText(w.governor)}`);
  }
  const finishedTables = s.tables.filter((t) => t.finished === t.chunks).length;
  const started = s.tables.filter((t) => t.finished < t.chunks && (t.finished > 0 || t.claimed > 0 || t.rowsDone > 0));
  const waiting = s.tables.length - finishedTables - started.length;
  lines.push(`  tables: ${finishedTables} with every chunk finished, ${started.length} part-way, ${waiting} waiting`);
  for (const t of started) {
    lines.push(`  ${t.table}: ${t.finished}/${t.chunks} chunks finished, ${t.claimed} held by live workers, ${fmt(t.rowsDone)}/${fmt(Math.max(t.rowsTotal, t.rowsDone))} rows`);
  }
  return lines;
}
