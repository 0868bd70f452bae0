// Its own file: a stop request is process-wide and cannot be taken back.
import { describe, expect, it } from 'vitest';
import { batchedUpdate } from '../../src/batch/batched-update.js';
import { readCheckpoint } from '../../src/batch/checkpoint.js';
import { reserveSession } from '../../src/db/session.js';
import { catchStopSignals } from '../../src/runner/interrupt.js';
import { ensureLedger } from '../../src/runner/ledger.js';
import { useFreshDatabase } from '../helpers/db.js';

describe('batchedUpdate and Ctrl-C', () => {
  const db = useFreshDatabase('bstop');

  it('stops before the next batch; the committed batches stay and a rerun would resume after them', async () => {
    const sql = db().sql;
    await ensureLedger(sql);
    await sql`create table public.items (id int primary key, done boolean not null default false)`;
    await sql`insert into public.items (id) select generate_series(1, 500)`;
    const uncatch = catchStopSignals(() => {});
    const conn = await reserveSession(sql);
    try {
      const run = batchedUpdate(
        { sql: conn, settings: { lockTimeoutMs: 2000, statementTimeoutMs: 0, lockRetries: 0, options: { batchSize: 50 } }, log: () => {} },
        { job: 'stop/items', schema: 'public', table: 'items', key: 'id', work: async (tx, b) => {
          await tx`update public.items set done = true where id > ${b.after ?? 0} and id <= ${b.last}`;
        } },
        // Ctrl-C arrives while the second batch's pause runs.
        { afterBatch: (_t, n) => { if (n === 2) process.emit('SIGINT'); } },
      );
      await expect(run).rejects.toMatchObject({ code: 'INTERRUPTED' });
    } finally {
      conn.release();
      uncatch();
    }
    const [t] = await sql<{ n: number }[]>`select count(*) filter (where done)::int n from public.items`;
    expect(t!.n).toBe(100);
    expect(await readCheckpoint(sql, 'stop/items')).toMatchObject({ lastKey: '100', rowsDone: 100, batches: 2, finished: false });
  });
});
