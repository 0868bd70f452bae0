import type { Sql } from './client.js';

// Errors after which the connection is gone: the server closed it (class 57P: an administrator's
// pg_terminate_backend, a shutdown), the network dropped it (class 08), or postgres.js saw it close.
const LOST_SQLSTATE = /^(57P0[123]|08)/;
const LOST_CLIENT_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'ECONNRESET', 'EPIPE']);

/**
 * True when `err` means the connection it came from is closed. The server has then rolled back
 * its open transaction, and nothing more may be sent on it: postgres.js 3.4.9 writes to the closed
 * socket from a timer and the process dies with an uncatchable TypeError (porsager/postgres#1208),
 * which is what its own `sql.begin()` does when it sends ROLLBACK after such an error.
 */
export function connectionLost(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? '');
  return LOST_SQLSTATE.test(code) || LOST_CLIENT_CODES.has(code);
}

/**
 * True when the server is out of reach for now: a connection was lost (see `connectionLost`), or
 * a new one is refused or times out, as while it shuts down or restarts.
 */
export function serverGone(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? '');
  return connectionLost(err) || code === 'ECONNREFUSED' || code === 'CONNECT_TIMEOUT';
}

/** How `inTransaction` opens and ends its transaction. */
export interface TransactionOptions {
  /** Appended to BEGIN; a constant of ours, never input (e.g. 'isolation level repeatable read'). */
  mode?: 'isolation level repeatable read' | 'isolation level repeatable read read only' | 'read only';
  /** Roll back even when `fn` succeeds (checks that must change nothing). */
  rollback?: boolean;
}

/**
 * Run `fn` in one transaction on a reserved connection: COMMIT on success, ROLLBACK on error.
 * Unlike `sql.begin()`, a lost connection gets no ROLLBACK and is not handed back to the pool
 * (which would give the dead connection to the next query); the pool opens a new one instead.
 */
export async function inTransaction<T>(sql: Sql, fn: (tx: Sql) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
  const conn = await sql.reserve();
  let lost = false;
  try {
    await conn.unsafe(opts.mode ? `begin ${opts.mode}` : 'begin');
    let result: T;
    try {
      result = await fn(conn as unknown as Sql);
    } catch (err) {
      lost = connectionLost(err);
      if (!lost) await conn`rollback`.catch((e: unknown) => { lost = connectionLost(e); });
      throw err;
    }
    await conn.unsafe(opts.rollback ? 'rollback' : 'commit');
    return result;
  } catch (err) {
    lost ||= connectionLost(err);
    throw err;
  } finally {
    if (!lost) conn.release();
  }
}

/** Roll back an open transaction on `sql` after `err`, unless the connection is gone (see `connectionLost`). */
export async function rollbackUnlessLost(sql: Sql, err: unknown): Promise<void> {
  if (!connectionLost(err)) await sql`rollback`.catch(() => {});
}
