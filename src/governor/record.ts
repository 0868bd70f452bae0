// The governor's state where `cortex status` (any terminal, any machine) can read it: one row per
// running process in cortex_migration.batch_governors, written every few seconds on the
// governor's own connection and removed when it closes.
import { hostname } from 'node:os';
import type { Sql } from '../db/client.js';
import type { GovernorState } from './governor.js';

/** Totals of a governor so far. */
export interface GovernorSummary {
  readonly throttledMs: number;
  readonly byReason: Readonly<Record<string, number>>;
}

/** A running process's governor, as status shows it. */
export interface GovernorRecord {
  readonly host: string;
  readonly pid: number;
  readonly state: GovernorState;
  readonly summary: GovernorSummary;
  readonly updatedAt: string;
}

/** The state is written at most this often (ms). */
export const RECORD_EVERY_MS = 2_000;
/** A row older than this belongs to a process that is gone (ms). */
export const STALE_AFTER_MS = 60_000;

/** Write this process's governor state (a ledger without the table is left alone). */
export async function recordGovernor(sql: Sql, state: GovernorState, summary: GovernorSummary): Promise<void> {
  try {
    await sql`
      insert into cortex_migration.batch_governors (host, pid, state, summary)
      values (${hostname()}, ${process.pid}, ${sql.json(state as never)}, ${sql.json(summary as never)})
      on conflict (host, pid) do update set state = excluded.state, summary = excluded.summary, updated_at = clock_timestamp()`;
  } catch (err) {
    if ((err as { code?: string }).code !== '42P01') throw err;
  }
}

/** Remove this process's row. */
export async function forgetGovernor(sql: Sql): Promise<void> {
  try {
    await sql`delete from cortex_migration.batch_governors where host = ${hostname()} and pid = ${process.pid}`;
  } catch (err) {
    if ((err as { code?: string }).code !== '42P01') throw err;
  }
}

/** The governors of processes running now (updated within STALE_AFTER_MS); read-only. */
export async function readGovernors(sql: Sql): Promise<GovernorRecord[]> {
  const [ok] = await sql<{ ok: boolean }[]>`select to_regclass('cortex_migration.batch_governors') is not null as ok`;
  if (!ok?.ok) return [];
  const rows = await sql<{ host: string; pid: number; state: GovernorState; summary: GovernorSummary; updated_at: Date }[]>`
    select host, pid, state, summary, updated_at from cortex_migration.batch_governors
     where updated_at > clock_timestamp() - make_interval(secs => ${STALE_AFTER_MS / 1000}) order by host, pid`;
  return rows.map((r) => ({ host: r.host, pid: r.pid, state: r.state, summary: r.summary, updatedAt: new Date(r.updated_at).toISOString() }));
}
