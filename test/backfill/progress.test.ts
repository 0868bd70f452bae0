import { describe, expect, it } from 'vitest';
import { formatDuration, formatProgress } from '../../src/backfill/progress.js';

describe('backfill progress line', () => {
  it('names the table, its place among the step tables, counts, rate and ETA', () => {
    const line = formatProgress({ table: 'crm.tasks', done: 12_000, total: 30_000, rate: 8_500.4, etaSeconds: 2.1, position: { index: 15, count: 22 } });
    expect(line).toBe('crm.tasks (table 15/22) 12,000/30,000 (40%) 8,500 rows/s, ETA 3s');
  });

  it('leaves out what it does not know', () => {
    expect(formatProgress({ table: 'crm.notes', done: 0, total: 0, rate: 0 })).toBe('crm.notes 0/0 (100%) 0 rows/s');
  });

  it('gives long ETAs in minutes and hours, as a DBA reads them', () => {
    expect([45, 119.2, 725, 7199, 7200, 12_030].map(formatDuration)).toEqual(['45s', '2m00s', '12m05s', '119m59s', '2h00m', '3h20m']);
  });
});
