// Progress of a step that copies several tables one after the other: the rows of all of them, so
// the progress line can say how long the whole phase has left, not only the table being copied.
import { type Amount, amountOf, type Progress } from './progress.js';

/** One table's count at the start of the step: rows already copied, and rows it holds. */
export interface TableCount {
  table: string;
  done: number;
  total: number;
}

/** Sums the progress of every table of a step; the rate is over the whole step, pauses included. */
export class PhaseProgress {
  private readonly done = new Map<string, number>();
  private readonly total = new Map<string, number>();
  private readonly doneAtStart: number;
  private readonly started: number;

  constructor(
    tables: TableCount[],
    /** The clock (ms), injectable so the arithmetic is tested without waiting. */
    private readonly now: () => number = Date.now,
  ) {
    for (const t of tables) {
      this.done.set(t.table, t.done);
      this.total.set(t.table, Math.max(t.total, t.done));
    }
    this.doneAtStart = this.sum(this.done);
    this.started = now();
  }

  private sum(m: Map<string, number>): number {
    let n = 0;
    for (const v of m.values()) n += v;
    return n;
  }

  /** Every table together now. */
  amount(): Amount {
    // A table's own count, taken when its copy starts, replaces the step's; a table can outgrow both.
    let total = 0;
    for (const [t, n] of this.total) total += Math.max(n, this.done.get(t) ?? 0);
    return amountOf(this.sum(this.done), total, this.doneAtStart, this.started, this.now());
  }

  /** Fold in one table's progress, and return it with every table's (`phase`). */
  update(p: Progress): Progress {
    this.done.set(p.table, p.done);
    this.total.set(p.table, p.total);
    return { ...p, phase: this.amount() };
  }
}
