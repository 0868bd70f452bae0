import { describe, expect, it } from 'vitest';
import { formatBackfillState } from '../../src/backfill/state.js';

const now = Date.parse('2025-01-01T12:00:00Z');
const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();

describe('backfill in text status', () => {
  it('lists every table the copy reached: rows done/total, %, state, and how many it has not', () => {
    const lines = formatBackfillState({
      mappedTables: 5,
      changeLogEntries: 12,
      tables: [
        { table: 'crm.contacts', rowsDone: 12_000, rowsTotal: 12_000, batches: 3, finished: true, updatedAt: at(60) },
        { table: 'crm.tasks', rowsDone: 3_000, rowsTotal: 30_000, batches: 6, finished: false, updatedAt: at(5) },
        { table: 'app.x', rowsDone: 0, rowsTotal: 10, batches: 0, finished: false, updatedAt: at(1) },
      ],
    }, now);
    expect(lines).toEqual([
      'backfill: 1/5 tables copied, 15,000 rows',
      '  table         rows done/total     %  state',
      '  crm.contacts    12,000/12,000  100%  copied',
      '  crm.tasks        3,000/30,000   10%  part-way, 6 batches, last batch 5s ago',
      '  app.x                    0/10    0%  started, 0 batches, last batch 1s ago',
      '  2 tables not started',
      'change log: 12 entries not yet replayed to the target',
    ]);
  });

  it('shows no table before the copy starts', () => {
    expect(formatBackfillState({ mappedTables: 1, changeLogEntries: 0, tables: [] }, now)).toEqual([
      'backfill: 0/1 tables copied, 0 rows',
      '  1 table not started',
      'change log: 0 entries not yet replayed to the target',
    ]);
  });
});
