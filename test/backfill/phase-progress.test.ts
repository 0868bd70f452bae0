import { describe, expect, it } from 'vitest';
import { PhaseProgress } from '../../src/backfill/phase-progress.js';
import { formatProgress } from '../../src/backfill/progress.js';

describe('progress of the whole phase', () => {
  it('sums every table: rows left over all of them at the rate achieved since the step began', () => {
    let now = 1_000_000;
    const phase = new PhaseProgress([
      { table: 'crm.contacts', done: 500, total: 500 },
      { table: 'crm.tasks', done: 0, total: 1_000 },
      { table: 'crm.notes', done: 0, total: 2_000 },
    ], () => now);
    // 10 s later (throttle pauses and all) 400 rows of crm.tasks are in: 40 rows/s.
    now += 10_000;
    const p = phase.update({ table: 'crm.tasks', done: 400, total: 1_000, rate: 40, etaSeconds: 15 });
    expect(p.phase).toEqual({ done: 900, total: 3_500, rate: 40, etaSeconds: 65 });
    // The table's own count (taken when its copy started) replaces the step's.
    now += 10_000;
    const q = phase.update({ table: 'crm.tasks', done: 800, total: 1_200, rate: 40, etaSeconds: 10 });
    expect(q.phase).toEqual({ done: 1_300, total: 3_700, rate: 40, etaSeconds: 60 });
    expect(formatProgress({ ...q, position: { index: 2, count: 3 } }))
      .toBe('crm.tasks (table 2/3) 800/1,200 (66%) 40 rows/s, ETA 10s; all tables 1,300/3,700 (35%) 40 rows/s, ETA 60s');
  });

  it('a resumed step counts only the rows of this run in its rate', () => {
    let now = 0;
    const phase = new PhaseProgress([{ table: 'a.b', done: 9_000, total: 10_000 }], () => now);
    now += 1_000;
    expect(phase.update({ table: 'a.b', done: 9_100, total: 10_000, rate: 100 }).phase).toEqual({ done: 9_100, total: 10_000, rate: 100, etaSeconds: 9 });
  });

  it('the bar of a spinner follows the phase, not the table', () => {
    const line = formatProgress({ table: 't.x', done: 10, total: 10, rate: 1, phase: { done: 50, total: 100, rate: 1 } }, 10);
    expect(line).toBe('[#####.....] t.x 10/10 (100%) 1 rows/s; all tables 50/100 (50%) 1 rows/s');
  });
});
