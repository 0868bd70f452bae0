import { CortexError } from '../errors.js';
import type { Sql } from './client.js';
import { reserveSession } from './session.js';

// One advisory lock key for every cortex run against a database ("cort" in ASCII).
const LOCK_KEY = 0x636f7274;

/** A held run lock; release() unlocks and returns the reserved connection. */
export interface RunLock {
  release(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Backend pid of the session holding the run lock on this database, or null when no run is active. */
export async function runLockHolder(sql: Sql): Promise<number | null> {
  const [r] = await sql<{ pid: number }[]>`
    select pid from pg_locks
    where locktype = 'advisory' and granted and classid = 0 and objid = ${LOCK_KEY} and objsubid = 1
      and database = (select oid from pg_database where datname = current_database())
    limit 1`;
  return r?.pid ?? null;
}

/** The session holding the run lock, as `cortex status` names it. */
export interface RunLockSession {
  /** Backend pid. */
  pid: number;
  /** Its application_name: `cortex (pid N)` names the CLI process (N) and so what to stop. */
  application: string;
  /** Client address; null over a Unix socket. */
  client: string | null;
}

/** Who holds the run lock on this database, or null when no run is active. */
export async function runLockSession(sql: Sql): Promise<RunLockSession | null> {
  const pid = await runLockHolder(sql);
  if (pid === null) return null;
  const [a] = await sql<{ application: string; client: string | null }[]>`
    select application_name as application, host(client_addr) as client from pg_stat_activity where pid = ${pid}`;
  return { pid, application: a?.application ?? '', client: a?.client ?? null };
}

/**
 * `cortex pid 4242 on 10.0.0.5, backend pid 977`: the process to stop (from its application_name,
 * which names the CLI's own pid) and the server session a DBA would terminate.
 */
export function describeHolder(s: RunLockSession | null): string {
  if (!s) return 'a run that has just ended';
  const cli = /\(pid (\d+)\)/.exec(s.application)?.[1];
  const who = cli ? `cortex pid ${cli}${s.client ? ` on ${s.client}` : ''}, ` : s.application ? `${s.application}, ` : '';
  return `${who}backend pid ${s.pid}`;
}

/**
 * Take the run lock until the end of `tx`'s transaction, or fail at once with exit 4 naming the
 * holder: for work done in one transaction that must not overlap a run (a fixture load).
 */
export async function holdRunLockInTransaction(tx: Sql): Promise<void> {
  const [r] = await tx<{ ok: boolean }[]>`select pg_try_advisory_xact_lock(${LOCK_KEY}) as ok`;
  if (!r?.ok) throw new CortexError('LOCKED', `another cortex run holds the lock (${describeHolder(await runLockSession(tx))})`);
}

/**
 * Take the run lock on a reserved connection, polling `pg_try_advisory_lock` until
 * `timeoutSeconds`. Fails with exit 4 naming the holder's process and backend pid.
 */
export async function acquireRunLock(sql: Sql, timeoutSeconds: number): Promise<RunLock> {
  const conn = await reserveSession(sql);
  const deadline = Date.now() + timeoutSeconds * 1000;
  let pid = 0;
  try {
    for (;;) {
      const [r] = await conn<{ ok: boolean; pid: number }[]>`select pg_try_advisory_lock(${LOCK_KEY}) as ok, pg_backend_pid() as pid`;
      if (r?.ok) {
        pid = r.pid;
        break;
      }
      if (Date.now() >= deadline) throw new CortexError('LOCKED', `another cortex run holds the lock (${describeHolder(await runLockSession(sql))})`);
      await sleep(Math.min(250, Math.max(10, deadline - Date.now())));
    }
  } catch (err) {
    conn.release();
    throw err;
  }
  return {
    release: async () => {
      // If an administrator terminated the lock's backend, or the server restarted, the lock went
      // with it, and nothing may be sent on that connection (see session.ts).
      if (conn.lost) return;
      const [alive] = await sql<{ ok: boolean }[]>`select exists (select 1 from pg_stat_activity where pid = ${pid}) as ok`;
      if (!alive?.ok) return;
      try {
        await conn`select pg_advisory_unlock(${LOCK_KEY})`;
      } finally {
        conn.release();
      }
    },
  };
}
