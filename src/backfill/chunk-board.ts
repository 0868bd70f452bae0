// What the workers of one process show while they copy chunks: progress lines for the table a
// worker is on and for all tables (summed over every chunk, so rows copied by workers on other
// machines count too), and one line per table when it is finished, as the one-table loop printed.
import type { Sql } from '../db/client.js';
import type { MappedTable } from '../db/mapped-tables.js';
import { chunkSums } from './chunks.js';
import { quarantined } from './engine.js';
import type { GovernorState } from '../governor/governor.js';
import { PhaseProgress } from './phase-progress.js';
import { type Progress, progressOf } from './progress.js';

interface TableRun {
  readonly position: number;
  /** Rows done (all workers), as of the last read of the chunks plus this process's batches since. */
  done: number;
  total: number;
  readonly doneAtStart: number;
  /** This process's work on the table. */
  rows: number;
  batches: number;
  startedAt: number | null;
  logged: boolean;
}

/** Progress and per-table lines of a process's workers. */
export class ChunkBoard {
  private readonly tables = new Map<string, TableRun>();
  private readonly phase: PhaseProgress;
  private lastSync = 0;
  // The governor's state at the last batch or hold, shown with every line.
  private governor?: GovernorState;

  private constructor(
    counts: ReadonlyArray<{ table: string; done: number; total: number; finished: boolean }>,
    private readonly log: (m: string) => void,
    /** Also say tables this process copied nothing of (the migrate step's account of every table). */
    private readonly logAll: boolean,
    private readonly show?: (p: Progress) => void,
  ) {
    counts.forEach((c, i) => {
      this.tables.set(c.table, { position: i + 1, done: c.done, total: Math.max(c.total, c.done), doneAtStart: c.done, rows: 0, batches: 0, startedAt: null, logged: false });
    });
    this.phase = new PhaseProgress(counts.map(({ table, done, total }) => ({ table, done, total })));
  }

  /** The board of `tables` (dependency order) as the chunks and checkpoints have them now. */
  static async open(sql: Sql, tables: readonly MappedTable[], log: (m: string) => void, logAll: boolean, show?: (p: Progress) => void): Promise<ChunkBoard> {
    const sums = await chunkSums(sql);
    const cps = await sql<{ t: string; done: string; finished: boolean }[]>`
      select old_schema || '.' || old_table as t, rows_done::text as done, finished_at is not null as finished
        from cortex_migration.backfill_checkpoints`;
    const cp = new Map(cps.map((r) => [r.t, r]));
    const counts = tables.map((m) => {
      const table = `${m.old_schema}.${m.old_table}`;
      const s = sums.get(table);
      const c = cp.get(table);
      const done = s?.done ?? Number(c?.done ?? 0);
      return { table, done, total: s?.total ?? done, finished: c?.finished ?? false };
    });
    const board = new ChunkBoard(counts, log, logAll, show);
    // Tables an earlier run finished: said once, as the one-table loop did.
    for (const c of counts.filter((x) => x.finished)) await board.logTable(sql, c.table);
    return board;
  }

  /** A worker of this process starts on a chunk of `table`. */
  begin(table: string): void {
    const t = this.tables.get(table);
    if (t && t.startedAt === null) t.startedAt = Date.now();
  }

  /**
   * A batch of `keys` keys of `table` committed (after the governor's pause), or none while the
   * governor holds (keys 0): show it, with what the governor is doing.
   */
  batch(table: string, keys: number, governor?: GovernorState): void {
    const t = this.tables.get(table);
    if (!t) return;
    if (governor) this.governor = governor;
    t.done += keys;
    t.total = Math.max(t.total, t.done);
    t.rows += keys;
    if (keys > 0) t.batches += 1;
    this.emit(table, t);
  }

  /** Read every table's rows done from the chunks (at most once a second), and show the phase. */
  async sync(sql: Sql, table?: string): Promise<void> {
    if (Date.now() - this.lastSync < 1000) return;
    this.lastSync = Date.now();
    for (const [name, s] of await chunkSums(sql)) {
      const t = this.tables.get(name);
      if (!t) continue;
      t.done = Math.max(t.done, s.done);
      t.total = Math.max(t.total, s.total, t.done);
      this.phase.update(progressOf(name, t.done, t.total, t.doneAtStart, t.startedAt ?? Date.now()));
    }
    const shown = table ?? [...this.tables.entries()].find(([, t]) => t.done < t.total)?.[0];
    const t = shown ? this.tables.get(shown) : undefined;
    if (shown && t) this.emit(shown, t);
  }

  private emit(table: string, t: TableRun): void {
    if (!this.show) return;
    const p = progressOf(table, t.done, t.total, t.doneAtStart, t.startedAt ?? Date.now());
    this.show(this.phase.update({ ...p, position: { index: t.position, count: this.tables.size }, ...(this.governor ? { governor: this.governor } : {}) }));
  }

  /** Say what this process did for `table` (once): rows, batches, quarantined rows, rate. */
  async logTable(sql: Sql, table: string): Promise<void> {
    const t = this.tables.get(table);
    if (!t || t.logged || (!this.logAll && t.rows === 0)) return;
    t.logged = true;
    const [schema, name] = table.split('.') as [string, string];
    const q = await quarantined(sql, schema, name);
    const ms = t.startedAt === null ? 0 : Date.now() - t.startedAt;
    const rate = ms > 0 ? Math.round((t.rows / ms) * 1000) : 0;
    this.log(`${table}: ${t.rows} rows in ${t.batches} batches, ${q} quarantined${t.doneAtStart > 0 ? ' (resumed)' : ''}, ${rate} rows/s`);
  }

  /** Log every finished table not logged yet (finished by another process's worker), in order. */
  async logFinished(sql: Sql): Promise<void> {
    const done = await sql<{ t: string }[]>`
      select old_schema || '.' || old_table as t from cortex_migration.backfill_checkpoints where finished_at is not null`;
    const finished = new Set(done.map((r) => r.t));
    for (const name of this.tables.keys()) if (finished.has(name)) await this.logTable(sql, name);
  }

  /** Rows this process's workers copied, over every table. */
  rows(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.rows;
    return n;
  }
}
