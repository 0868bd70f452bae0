// A reserved connection (a transaction, a step that commits its own batches, the run lock) and
// what a lost connection looks like. postgres.js 3.4.9 keeps a reserved handle pointed at its
// connection after the socket closes: the next statement is written from a setImmediate to a null
// socket and the process dies with an uncatchable TypeError (porsager/postgres#1208), and
// release() hands the dead connection to the pool, whose next query dies the same way. A close
// while a statement runs rejects that statement; a close while the connection is idle (a server
// restart during the backfill's pause between batches) shows nothing until that next statement.
// A session learns of both and refuses, rather than sends, every statement after them.
import type { Sql } from './client.js';

// Errors after which the connection is gone: the server closed it (class 57P: an administrator's
// pg_terminate_backend, a shutdown), the network dropped it (class 08), or postgres.js saw it close.
const LOST_SQLSTATE = /^(57P0[123]|08)/;
const LOST_CLIENT_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'ECONNRESET', 'EPIPE']);

/**
 * True when `err` means the connection it came from is closed. The server has then rolled back
 * its open transaction, and nothing more may be sent on it (see the top of this file), which is
 * also what postgres.js's own `sql.begin()` does when it sends ROLLBACK after such an error.
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

/** A reserved connection whose statements fail with a lost-connection error once it is gone. */
export type Session = Sql & {
  /** Give the connection back to the pool; when it is gone, leave it to the pool's own reconnect. */
  release(): void;
  /** Why the connection is gone (its close, or a statement's lost-connection error); undefined while usable. */
  readonly lost: Error | undefined;
};

// The postgres.js 3.4.9 internals a session relies on (the version is pinned; test/db/session.test.ts
// fails if they change): a query's `onexecute` option is called with the driver's connection when
// the query is written, and that connection's `onclose` when its socket closes (sql.begin() learns
// of a lost connection the same way); a query is sent by `handler(query)` when first awaited, a
// microtask after it is built, and settled through `reject`.
interface DriverConnection {
  onclose?: ((err: Error) => void) | null;
}
interface DriverQuery {
  handler: ((q: DriverQuery) => unknown) & { debug?: unknown };
  reject: (err: unknown) => void;
}

/**
 * Reserve a connection of `sql`'s pool as a Session. One round trip (`select 1`) finds the
 * driver's connection to watch for its close.
 */
export async function reserveSession(sql: Sql): Promise<Session> {
  const conn = await sql.reserve();
  let lost: Error | undefined;
  let released = false;
  let watched: DriverConnection | undefined;
  const onclose = (err: Error) => {
    lost ??= err;
  };

  // Checked when the statement is sent, not when it is built. Over a reset connection the error
  // comes before the close, and a statement sent in between would never be settled.
  const guard = <Q>(q: Q): Q => {
    if (!(q instanceof Promise)) return q; // identifiers and other helpers, not statements
    const query = q as unknown as DriverQuery;
    const send = query.handler;
    const reject = query.reject;
    query.reject = (err) => {
      if (connectionLost(err)) lost ??= err as Error;
      reject(err);
    };
    query.handler = Object.assign(
      (x: DriverQuery) => {
        if (released) return x.reject(new Error('a statement on a reserved connection already released'));
        if (lost) return x.reject(Object.assign(new Error(lost.message), { code: (lost as { code?: unknown }).code ?? 'CONNECTION_CLOSED' }));
        return send(x);
      },
      { debug: send.debug },
    );
    return q;
  };

  const release = () => {
    if (released) return;
    released = true;
    if (watched?.onclose === onclose) watched.onclose = null;
    if (!lost) conn.release();
  };

  const watch = {
    onexecute: (c: DriverConnection) => {
      watched = c;
      c.onclose = onclose;
      return true; // what the driver computes when the option is absent: the connection takes more
    },
  };
  try {
    await guard(conn.unsafe('select 1', [], watch as never));
  } catch (err) {
    release();
    throw err;
  }

  const session = Object.assign((...args: unknown[]) => guard((conn as unknown as (...a: unknown[]) => unknown)(...args)), conn, {
    unsafe: (...args: Parameters<Sql['unsafe']>) => guard(conn.unsafe(...args)),
    file: (...args: Parameters<Sql['file']>) => guard(conn.file(...args)),
    release,
  });
  Object.defineProperty(session, 'lost', { get: () => lost });
  return session as unknown as Session;
}
