// A server that restarts mid-step takes the step's connection, the run lock's and the pool's with
// it. What happened to the step is recorded once the server answers again, on a connection of its
// own, and under the run lock: still ours, or taken anew, never another run's that started since.
import { applicationName, openDatabase, type Sql } from '../db/client.js';
import { acquireRunLock, runLockSession } from '../db/lock.js';
import { serverGone } from '../db/session.js';
import { isCortexError } from '../errors.js';
import { stopSignal } from './interrupt.js';
import type { RunEnv } from './runner.js';

/** How long a run waits for the server to answer again to record a step's failure. */
export const RECORD_WAIT_SECONDS = 15;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The server is not there (yet): a lost connection, or one that could not be opened.
function unreachable(err: unknown): boolean {
  return serverGone(err) || (isCortexError(err) && err.code === 'CONNECTION');
}

// One attempt on a new client. The pool's connections may be dead, or reserved by a step that
// lost its own, and postgres.js can keep retrying a connection closed while it starts
// (porsager/postgres#1193): the attempt is given at most `ms`.
async function attempt(env: RunEnv, write: (sql: Sql) => Promise<void>, ms: number): Promise<boolean> {
  let sql: Sql | undefined;
  let timer: NodeJS.Timeout | undefined;
  const work = (async () => {
    // Types are fetched: with fetch_types off, postgres.js 3.4.9 never hands out a second
    // reserved connection, and the lock holds the first.
    sql = await openDatabase(env.target, { max: 2, connectTimeoutSeconds: 5, applicationName: applicationName('record') });
    const holder = await runLockSession(sql);
    if (holder && holder.application !== applicationName()) return false;
    const lock = holder ? undefined : await acquireRunLock(sql, 0);
    try {
      await write(sql);
    } finally {
      await lock?.release().catch(() => {});
    }
    return true;
  })();
  work.catch(() => {});
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('no answer in time'), { code: 'CONNECT_TIMEOUT' })), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
    await sql?.end({ timeout: 0 }).catch(() => {});
  }
}

/**
 * Run `write` (a ledger write). When the server is out of reach, or `lost` says the step lost its
 * connection, try again on new connections until the server answers, for up to
 * RECORD_WAIT_SECONDS. False when it could not be written: the server stayed away, a signal asked
 * to stop, or another run holds the lock by now.
 */
export async function writeWhenServerAnswers(env: RunEnv, what: string, lost: boolean, write: (sql: Sql) => Promise<void>): Promise<boolean> {
  if (!lost) {
    try {
      await write(env.sql);
      return true;
    } catch (err) {
      if (!serverGone(err)) throw err;
    }
  }
  const deadline = Date.now() + RECORD_WAIT_SECONDS * 1000;
  let waiting = false;
  for (let delay = 250; Date.now() < deadline && !stopSignal(); delay = Math.min(delay * 2, 2000)) {
    try {
      return await attempt(env, write, deadline - Date.now());
    } catch (err) {
      if (isCortexError(err) && err.code === 'LOCKED') return false;
      if (!unreachable(err)) throw err;
    }
    if (!waiting) env.events?.log?.(`the server does not answer; waiting up to ${RECORD_WAIT_SECONDS} s for it, to record ${what}`);
    waiting = true;
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
  }
  return false;
}
