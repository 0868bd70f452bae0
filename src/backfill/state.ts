import type { Sql } from '../db/client.js';

/** One table's backfill as its checkpoint records it. */
export interface TableCheckpoint {
  table: string;
  rowsDone: number;
  /** Legacy rows counted when the table's copy started (null until it starts). */
  rowsTotal: number | null;
  batches: number;
  finished: boolean;
  updatedAt: string;
}

/** What phase 3 has copied so far, and the logged writes not yet replayed (phase 4 replays them). */
export interface BackfillState {
  tables: TableCheckpoint[];
  mappedTables: number;
  changeLogEntries: number;
}

interface CheckpointRow {
  table: string;
  rows_done: string;
  rows_total: string | null;
  batches: number;
  finished: boolean;
  updated_at: Date;
}

/** Read the backfill checkpoints and change-log size; null before phase 3 created them. Read-only. */
export async function readBackfillState(sql: Sql): Promise<BackfillState | null> {
  const [ok] = await sql<{ ok: boolean }[]>`
    select to_regclass('cortex_migration.backfill_checkpoints') is not null
       and to_regclass('cortex_migration.change_log') is not null
       and to_regclass('cortex_migration.mapped_tables') is not null as ok`;
  if (!ok?.ok) return null;
  const rows = await sql<CheckpointRow[]>`
    select c.old_schema || '.' || c.old_table as table, c.rows_done::text, c.rows_total::text, c.batches,
           c.finished_at is not null as finished, c.updated_at
    from cortex_migration.backfill_checkpoints c
    left join cortex_migration.mapped_tables m using (old_schema, old_table)
    order by m.position nulls last, 1`;
  // Counted up to a million entries, so a status stays quick on a huge log.
  const [n] = await sql<{ mapped: number; entries: number }[]>`
    select (select count(*)::int from cortex_migration.mapped_tables) as mapped,
           (select count(*)::int from (select 1 from cortex_migration.change_log limit 1000000) x) as entries`;
  return {
    tables: rows.map((r) => ({
      table: r.table,
      rowsDone: Number(r.rows_done),
      rowsTotal: r.rows_total === null ? null : Number(r.rows_total),
      batches: r.batches,
      finished: r.finished,
      updatedAt: new Date(r.updated_at).toISOString(),
    })),
    mappedTables: n?.mapped ?? 0,
    changeLogEntries: n?.entries ?? 0,
  };
}

/** What a table's checkpoint says of it, in a word: `copied`, `part-way` or `started` (no batch yet). */
export function tableState(t: TableCheckpoint): 'copied' | 'part-way' | 'started' {
  return t.finished ? 'copied' : t.rowsDone > 0 || t.batches > 0 ? 'part-way' : 'started';
}

/**
 * Text lines for `cortex status`: a summary, then a table of every table the copy has reached
 * (rows done/total, %, state; when a part-way one last moved), then how many it has not.
 */
export function formatBackfillState(s: BackfillState, now = Date.now()): string[] {
  const fmt = (x: number) => x.toLocaleString('en-US');
  const done = s.tables.filter((t) => t.finished).length;
  const rows = s.tables.reduce((n, t) => n + t.rowsDone, 0);
  const lines = [`backfill: ${done}/${s.mappedTables} tables copied, ${fmt(rows)} rows`];
  const cells = s.tables.map((t) => {
    // A table's size is counted when its copy starts; rows written since can take it past that count.
    const total = Math.max(t.rowsTotal ?? 0, t.rowsDone);
    const pct = total > 0 ? Math.floor((t.rowsDone / total) * 100) : t.finished ? 100 : 0;
    const state = tableState(t);
    const ago = Math.max(0, Math.round((now - Date.parse(t.updatedAt)) / 1000));
    const more = state === 'copied' ? '' : `, ${t.batches} ${t.batches === 1 ? 'batch' : 'batches'}, last batch ${ago}s ago`;
    return { table: t.table, rows: `${fmt(t.rowsDone)}/${fmt(total)}`, pct: `${pct}%`, state: `${state}${more}` };
  });
  if (cells.length > 0) {
    const head = { table: 'table', rows: 'rows done/total', pct: '%', state: 'state' };
    const w = (k: 'table' | 'rows' | 'pct') => Math.max(...[head, ...cells].map((c) => c[k].length));
    for (const c of [head, ...cells]) {
      lines.push(`  ${c.table.padEnd(w('table'))}  ${c.rows.padStart(w('rows'))}  ${c.pct.padStart(w('pct'))}  ${c.state}`);
    }
  }
  const waiting = s.mappedTables - s.tables.length;
  if (waiting > 0) lines.push(`  ${waiting} ${waiting === 1 ? 'table' : 'tables'} not started`);
  const more = s.changeLogEntries >= 1_000_000 ? ' or more' : '';
  lines.push(`change log: ${fmt(s.changeLogEntries)}${more} entries not yet replayed to the target`);
  return lines;
}

/** Writes that arrived from each side of one mapped table since phase 4 (two-way sync). */
export interface WritesBySide {
  table: string;
  legacy: number;
  target: number;
}

/** Per mapped table, the writes from each side since the way back went live; null before phase 4. Read-only. */
export async function readWritesBySide(sql: Sql): Promise<WritesBySide[] | null> {
  const [ok] = await sql<{ ok: boolean }[]>`select to_regclass('cortex_migration.writes_by_side') is not null as ok`;
  if (!ok?.ok) return null;
  const rows = await sql<{ table: string; legacy: string; target: string }[]>`
    select old_schema || '.' || old_table as table, legacy_side::text as legacy, target_side::text as target
      from cortex_migration.writes_by_side order by position`;
  return rows.map((r) => ({ table: r.table, legacy: Number(r.legacy), target: Number(r.target) }));
}

/** Text lines for `cortex status`: the tables written from the target (features that moved), then the totals. */
export function formatWritesBySide(rows: WritesBySide[]): string[] {
  const fmt = (x: number) => x.toLocaleString('en-US');
  const legacy = rows.reduce((n, r) => n + r.legacy, 0);
  const target = rows.reduce((n, r) => n + r.target, 0);
  const lines = [`writes since phase 4: ${fmt(legacy)} from the legacy side, ${fmt(target)} from the target side`];
  for (const r of rows.filter((x) => x.legacy > 0 || x.target > 0)) {
    lines.push(`  ${r.table.padEnd(34)} legacy ${fmt(r.legacy).padStart(10)}   target ${fmt(r.target).padStart(10)}`);
  }
  return lines;
}
