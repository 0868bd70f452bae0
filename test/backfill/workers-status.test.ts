import { describe, expect, it } from 'vitest';
import { formatWorkersState, type WorkersState } from '../../src/backfill/workers-status.js';

const now = Date.parse('2026-12-07T12:00:10Z');
const state: WorkersState = {
  workers: [
    { host: 'db-a', pid: 41, role: 'migrate', chunksDone: 3, chunk: 'crm.tasks #4', rows: 61000, batches: 13, updatedAt: '2026-12-07T12:00:08Z',
      governor: { batchSize: 5000, rowsPerSecond: 9100, throttled: false, reason: null } },
    { host: 'app-b', pid: 77, role: 'work', chunksDone: 2, chunk: null, rows: 40000, batches: 8, updatedAt: '2026-12-07T12:00:10Z',
      governor: { batchSize: 2500, rowsPerSecond: 3000, throttled: true, reason: 'latency 2.4x baseline' } },
  ],
  exited: 1,
  tables: [
    { table: 'crm.contacts', chunks: 2, finished: 2, claimed: 0, rowsDone: 30000, rowsTotal: 30000 },
    { table: 'crm.tasks', chunks: 6, finished: 3, claimed: 1, rowsDone: 71000, rowsTotal: 120000 },
    { table: 'crm.notes', chunks: 2, finished: 0, claimed: 0, rowsDone: 0, rowsTotal: 40000 },
  ],
};

describe('status of the parallel backfill', () => {
  it('shows each live worker with its governor, then the tables finished, part-way and waiting', () => {
    expect(formatWorkersState(state, now)).toEqual([
      'backfill workers: 2 live (1 exited); chunks 5/10 finished',
      '  db-a pid 41 (migrate): 3 chunks done, on crm.tasks #4, 61,000 rows in 13 batches, last update 2s ago; governor 9,100 rows/s, batch 5,000',
      '  app-b pid 77 (work): 2 chunks done, waiting for a chunk, 40,000 rows in 8 batches, last update 0s ago; governor 3,000 rows/s, batch 2,500, throttled: latency 2.4x baseline',
      '  tables: 1 with every chunk finished, 1 part-way, 1 waiting',
      '  crm.tasks: 3/6 chunks finished, 1 held by live workers, 71,000/120,000 rows',
    ]);
  });

  it('says nothing before any chunk exists', () => {
    expect(formatWorkersState({ workers: [], exited: 0, tables: [] }, now)).toEqual([]);
  });
});
