// Pause and resume of every batch loop (`cortex backfill pause` / `resume`), through a one-row
// ledger table, cortex_migration.batch_control, so a DBA pauses from any machine and every loop
// of any plan, worker or process sees it before its next batch.
import type { Sql } from '../db/client.js';
import { operator } from '../runner/who.js';

/** The pause switch as the ledger holds it. */
export interface PauseState {
  readonly paused: boolean;
  readonly reason: string | null;
  /** Who set it: `os_user@host` and the database role. */
  readonly by: { readonly osUser: string | null; readonly host: string | null; readonly dbUser: string | null } | null;
  /** When it was last set (ISO), or null when never. */
  readonly at: string | null;
}

interface Row {
  paused: boolean;
  reason: string | null;
  os_user: string | null;
  host: string | null;
  db_user: string | null;
  changed_at: Date;
}

const NEVER: PauseState = { paused: false, reason: null, by: null, at: null };

/** The pause switch; not paused when the ledger has no such table (a ledger older than it). */
export async function readPause(sql: Sql): Promise<PauseState> {
  let r: Row | undefined;
  try {
    [r] = await sql<Row[]>`select paused, reason, os_user, host, db_user, changed_at from cortex_migration.batch_control`;
  } catch (err) {
    // One round trip before every batch: the missing table is the exception, not checked first.
    if ((err as { code?: string }).code === '42P01') return NEVER;
    throw err;
  }
  if (!r) return NEVER;
  return {
    paused: r.paused,
    reason: r.reason,
    by: { osUser: r.os_user, host: r.host, dbUser: r.db_user },
    at: new Date(r.changed_at).toISOString(),
  };
}

/** Set (or clear) the pause, recording who did it and when; returns the new state. */
export async function setPause(sql: Sql, paused: boolean, reason: string | null): Promise<PauseState> {
  const who = operator();
  await sql`
    insert into cortex_migration.batch_control (id, paused, reason, os_user, host, db_user, changed_at)
    values (true, ${paused}, ${reason}, ${who.osUser}, ${who.host}, current_user, clock_timestamp())
    on conflict (id) do update set paused = excluded.paused, reason = excluded.reason, os_user = excluded.os_user,
      host = excluded.host, db_user = excluded.db_user, changed_at = excluded.changed_at`;
  return readPause(sql);
}

/** `alice@db1` (or the database role when the OS user is unknown). */
export function whoOf(p: PauseState): string {
  if (!p.by) return 'unknown';
  const user = p.by.osUser ?? p.by.dbUser ?? 'unknown';
  return p.by.host ? `${user}@${p.by.host}` : user;
}

/** The hold reason a paused switch gives: `paused by alice@db1 (reindexing)`. */
export function pauseReason(p: PauseState): string {
  return `paused by ${whoOf(p)}${p.reason ? ` (${p.reason})` : ''}`;
}
