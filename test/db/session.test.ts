import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/client.js';
import { connectionLost, reserveSession } from '../../src/db/session.js';
import { inTransaction } from '../../src/db/transaction.js';
import { useFreshDatabase } from '../helpers/db.js';

// A connection closed while no statement runs on it (a server restart, pg_terminate_backend,
// while a step pauses between batches): postgres.js 3.4.9 would write the next statement on it to
// a null socket from a setImmediate, and the process would die (porsager/postgres#1208).

const db = useFreshDatabase('session');
// The pool under test counts the connections it has seen close, so a test waits for the close
// itself rather than for a while.
let closes = 0;
let sql: Sql;
beforeAll(() => {
  sql = postgres(db().url, { max: 2, onnotice: () => {}, onclose: () => closes++ }) as unknown as Sql;
});
afterAll(async () => {
  await sql?.end({ timeout: 1 });
});

// Terminate backend `pid` from a connection of the test database's own pool; resolve once the pool
// under test has seen its connection close.
async function closeIdle(pid: number): Promise<void> {
  const before = closes;
  await db().sql`select pg_terminate_backend(${pid})`;
  for (let i = 0; i < 200 && closes === before; i++) await new Promise((r) => setTimeout(r, 25));
  expect(closes, 'the connection did not close').toBeGreaterThan(before);
}

// The pool serves every connection again (max 2: each of them at least once).
async function poolServes(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    const [r] = await sql<{ n: number }[]>`select ${i}::int as n`;
    expect(r!.n).toBe(i);
  }
}

describe('a reserved connection closed while idle', () => {
  it('inTransaction: the next statement fails as a lost connection; the pool goes on with new connections', async () => {
    const err = await inTransaction(sql, async (t) => {
      const [r] = await t<{ pid: number }[]>`select pg_backend_pid() as pid`;
      await closeIdle(r!.pid);
      await t`select 1`;
    }).then(() => undefined, (e: unknown) => e);
    expect(connectionLost(err), String(err)).toBe(true);
    await poolServes();
  });

  it('a session: its statements, even one built before the close, fail; release() keeps the dead connection from the pool', async () => {
    const conn = await reserveSession(sql);
    const [r] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
    expect(conn.lost).toBeUndefined();
    const early = conn`select 2`;
    await closeIdle(r!.pid);
    expect(connectionLost(conn.lost), String(conn.lost)).toBe(true);
    for (const q of [early, conn`select 3`, conn.unsafe('select 4')]) {
      const e = await q.then(() => undefined, (x: unknown) => x);
      expect(connectionLost(e), String(e)).toBe(true);
    }
    conn.release();
    await poolServes();
  });

  it('a released session refuses statements; a live one works and goes back to the pool', async () => {
    const conn = await reserveSession(sql);
    const [r] = await conn<{ n: number }[]>`select ${41}::int + 1 as n`;
    expect(r!.n).toBe(42);
    conn.release();
    await expect(conn`select 1`).rejects.toThrow(/already released/);
    await poolServes();
  });
});
