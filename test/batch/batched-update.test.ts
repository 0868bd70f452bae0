import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { batchedUpdate, type BatchedUpdate } from '../../src/batch/batched-update.js';
import { clearCheckpoint, readCheckpoint } from '../../src/batch/checkpoint.js';
import type { Progress } from '../../src/backfill/progress.js';
import type { Sql } from '../../src/db/client.js';
import { reserveSession, type Session } from '../../src/db/session.js';
import { inTransaction } from '../../src/db/transaction.js';
import type { RunSettings, StepContext } from '../../src/plan/model.js';
import { ensureLedger } from '../../src/runner/ledger.js';
import { useFreshDatabase } from '../helpers/db.js';

const settings: RunSettings = { lockTimeoutMs: 2000, statementTimeoutMs: 0, lockRetries: 5, options: { batchSize: 100 } };

// 1,000 rows keyed by a uuid (keyset order is not insertion order); `touched` counts the updates of each row.
async function seed(sql: Sql): Promise<void> {
  await sql`drop table if exists public.items`;
  await sql`create table public.items (id uuid primary key, grp int not null, flag text, touched int not null default 0)`;
  await sql`insert into public.items (id, grp) select md5('item' || i)::uuid, i % 3 from generate_series(1, 1000) i`;
}

function spec(over: Partial<BatchedUpdate> = {}): BatchedUpdate {
  return {
    job: 'test/items',
    schema: 'public',
    table: 'items',
    key: 'id',
    work: async (tx, b) => (await tx`update public.items set flag = 'done', touched = touched + 1 where id = any(${b.keys}::uuid[])`).count,
    ...over,
  };
}

describe('batchedUpdate', () => {
  const db = useFreshDatabase('batch');
  let conn: Session;
  const ctx = (extra: Partial<StepContext> = {}): StepContext => ({ sql: conn, settings, log: () => {}, ...extra });

  beforeAll(async () => {
    await ensureLedger(db().sql);
  });
  beforeEach(async () => {
    await seed(db().sql);
    await clearCheckpoint(db().sql, 'test/items');
    conn?.release();
    conn = await reserveSession(db().sql);
  });

  it('walks every key once in batches of --batch-size, with progress, and a rerun finds the job finished', async () => {
    const seen: Progress[] = [];
    const r = await batchedUpdate(ctx({ progress: (p) => seen.push(p) }), spec());
    expect(r).toMatchObject({ table: 'public.items', keys: 1000, rows: 1000, batches: 10, resumed: false, alreadyFinished: false });
    const [t] = await db().sql<{ n: number; max: number }[]>`select count(*) filter (where flag = 'done')::int n, max(touched) max from public.items`;
    expect(t).toEqual({ n: 1000, max: 1 });
    expect(seen.map((p) => p.done)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(seen.every((p) => p.total === 1000 && p.table === 'public.items')).toBe(true);
    expect(await readCheckpoint(db().sql, 'test/items')).toMatchObject({ rowsDone: 1000, batches: 10, finished: true });
    const again = await batchedUpdate(ctx(), spec());
    expect(again).toMatchObject({ keys: 0, batches: 0, resumed: true, alreadyFinished: true });
  });

  it('after a crash mid-way, a rerun continues after the last committed batch', async () => {
    let calls = 0;
    const crashing = spec({
      work: async (tx, b) => {
        if (++calls === 4) throw new Error('crash in batch 4');
        return (await tx`update public.items set touched = touched + 1 where id = any(${b.keys}::uuid[])`).count;
      },
    });
    await expect(batchedUpdate(ctx(), crashing)).rejects.toThrow('crash in batch 4');
    // Batch 4 rolled back with its checkpoint: 300 rows done, the rest untouched.
    expect(await readCheckpoint(db().sql, 'test/items')).toMatchObject({ rowsDone: 300, batches: 3, finished: false });
    const r = await batchedUpdate(ctx(), spec());
    expect(r).toMatchObject({ keys: 700, batches: 7, resumed: true, alreadyFinished: false });
    const [t] = await db().sql<{ min: number; max: number }[]>`select min(touched) min, max(touched) max from public.items`;
    expect(t).toEqual({ min: 1, max: 1 });
  });

  it('walks only the rows `where` selects, and counts the rows the work changed', async () => {
    const r = await batchedUpdate(ctx(), spec({
      where: (sql) => sql`grp = ${0}`,
      work: async (tx, b) => (await tx`update public.items set flag = 'g0' where id = any(${b.keys}::uuid[]) and id::text < '8'`).count,
    }));
    const [t] = await db().sql<{ walked: number; changed: number }[]>`
      select count(*) filter (where grp = 0)::int walked, count(*) filter (where flag = 'g0')::int changed from public.items`;
    expect(r.keys).toBe(t!.walked);
    expect(r.rows).toBe(t!.changed);
    expect(r.rows).toBeLessThan(r.keys);
    expect(r.batches).toBe(Math.ceil(t!.walked / 100));
  });

  it('retries a batch that waited too long for a row lock, and loses nothing', async () => {
    const [first] = await db().sql<{ id: string }[]>`select id::text from public.items order by id limit 1 offset 150`;
    const holder = await reserveSession(db().sql);
    await holder`begin`;
    await holder`update public.items set grp = grp where id = ${first!.id}`;
    // Released after 1.2 s: the batch's 500 ms lock_timeout fires at least once meanwhile.
    const release = new Promise<void>((r) => setTimeout(() => void holder`commit`.then(() => r()), 1200));
    const t0 = Date.now();
    const r = await batchedUpdate(ctx(), spec());
    await release;
    holder.release();
    expect(Date.now() - t0).toBeGreaterThan(1000);
    expect(r).toMatchObject({ keys: 1000, rows: 1000, batches: 10 });
    const [t] = await db().sql<{ max: number; min: number }[]>`select min(touched) min, max(touched) max from public.items`;
    expect(t).toEqual({ min: 1, max: 1 });
  });

  it('paces batches with --max-rows-per-second', async () => {
    const t0 = Date.now();
    await batchedUpdate({ ...ctx(), settings: { ...settings, options: { batchSize: 100, maxRowsPerSecond: 2000 } } }, spec());
    // 1,000 rows at 2,000 rows/s: about half a second, at least 400 ms.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  });

  it('refuses to run inside a transaction, a missing table, and a key without a unique index', async () => {
    await expect(inTransaction(db().sql, async (tx) => {
      await tx`select 1`;
      return batchedUpdate({ sql: tx, settings, log: () => {} }, spec());
    })).rejects.toThrow('transactional = false');
    await expect(batchedUpdate(ctx(), spec({ table: 'nope' }))).rejects.toThrow('table public.nope does not exist');
    await expect(batchedUpdate(ctx(), spec({ key: 'grp' }))).rejects.toThrow('public.items.grp has no unique single-column index');
    await expect(batchedUpdate(ctx(), spec({ key: 'missing' }))).rejects.toThrow('public.items has no column missing');
  });
});
