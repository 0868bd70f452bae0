import type { Sql } from './client.js';
import { connectionLost, reserveSession } from './session.js';

/** How `inTransaction` opens and ends its transaction. */
export interface TransactionOptions {
  /** Appended to BEGIN; a constant of ours, never input (e.g. 'isolation level repeatable read'). */
  mode?: 'isolation level repeatable read' | 'isolation level repeatable read read only' | 'read only';
  /** Roll back even when `fn` succeeds (checks that must change nothing). */
  rollback?: boolean;
}

/**
 * Run `fn` in one transaction on a reserved connection (a Session): COMMIT on success, ROLLBACK
 * on error. Unlike `sql.begin()`, a lost connection gets no ROLLBACK and is not handed back to
 * the pool (which would give the dead connection to the next query); the pool opens a new one.
 */
export async function inTransaction<T>(sql: Sql, fn: (tx: Sql) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
  const conn = await reserveSession(sql);
  try {
    await conn.unsafe(opts.mode ? `begin ${opts.mode}` : 'begin');
    let result: T;
    try {
      result = await fn(conn);
    } catch (err) {
      // A session that lost its connection refuses the ROLLBACK (the server rolled back already).
      await conn`rollback`.catch(() => {});
      throw err;
    }
    await conn.unsafe(opts.rollback ? 'rollback' : 'commit');
    return result;
  } finally {
    conn.release();
  }
}

/** Roll back an open transaction on `sql` after `err`, unless the connection is gone (see `connectionLost`). */
export async function rollbackUnlessLost(sql: Sql, err: unknown): Promise<void> {
  if (!connectionLost(err)) await sql`rollback`.catch(() => {});
}
