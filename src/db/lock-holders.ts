import type { Sql } from './client.js';
import { isLockTimeout } from './retry.js';

/** A session holding a lock on a table: enough for a DBA to find it in pg_stat_activity. */
export interface LockHolder {
  pid: number;
  application: string | null;
  state: string | null;
  stateSeconds: number | null;
}

/**
 * Sessions other than this one holding a granted lock on `schema.table`: the ones an ACCESS
 * EXCLUSIVE request waits for (pg_blocking_pids would add the requests queued ahead, which wait
 * for these same holders).
 */
export async function lockHolders(sql: Sql, schema: string, table: string): Promise<LockHolder[]> {
  return sql<LockHolder[]>`
    select l.pid, nullif(a.application_name, '') as application, a.state,
           extract(epoch from clock_timestamp() - a.state_change)::int as "stateSeconds"
    from (select distinct pid from pg_locks
           where locktype = 'relation' and granted and pid is not null and pid <> pg_backend_pid()
             and database = (select oid from pg_database where datname = current_database())
             and relation = to_regclass(format('%I.%I', ${schema}::text, ${table}::text))) l
    left join pg_stat_activity a on a.pid = l.pid
    order by l.pid`;
}

/** `pid 4242 (psql, idle in transaction for 17 s)`, for each holder. */
export function describeHolders(holders: LockHolder[]): string {
  if (holders.length === 0) return 'a session that has let go since';
  return holders
    .map((h) => {
      const state = h.state && `${h.state}${h.stateSeconds !== null ? ` for ${h.stateSeconds} s` : ''}`;
      const what = [h.application, state].filter(Boolean).join(', ');
      return `pid ${h.pid}${what ? ` (${what})` : ''}`;
    })
    .join(', ');
}

/**
 * A lock wait on one table that gave up (lock_timeout, or a deadlock), with the sessions holding
 * that table then. Keeps the SQLSTATE, so lock-timeout retries treat it as they treat the original.
 */
export class TableLockTimeout extends Error {
  readonly code: string;
  readonly table: string;
  readonly holders: LockHolder[];

  constructor(table: string, holders: LockHolder[], code: string) {
    super(`${table}: lock not available, held by ${describeHolders(holders)}`);
    this.name = 'TableLockTimeout';
    this.table = table;
    this.holders = holders;
    this.code = code;
  }
}

/**
 * Lock `schema.table` in ACCESS EXCLUSIVE mode inside the caller's transaction (which sets
 * lock_timeout). When the wait gives up, the transaction stays usable up to this lock (a savepoint)
 * just long enough to read who holds the table; the caller then rolls back or retries.
 */
export async function lockExclusive(tx: Sql, schema: string, table: string): Promise<void> {
  await tx`savepoint cortex_lock_table`;
  try {
    await tx`lock table ${tx(schema)}.${tx(table)} in access exclusive mode`;
  } catch (err) {
    // Anything else (a cancel, a lost connection) goes up as it is: nothing more may be sent.
    if (!isLockTimeout(err)) throw err;
    await tx`rollback to savepoint cortex_lock_table`;
    throw new TableLockTimeout(`${schema}.${table}`, await lockHolders(tx, schema, table), String((err as { code: string }).code));
  }
  await tx`release savepoint cortex_lock_table`;
}
