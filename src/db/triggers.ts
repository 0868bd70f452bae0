import { ident } from '../generate/sql.js';
import type { Check, RunSettings } from '../plan/model.js';
import type { Sql } from './client.js';
import { shortDdl } from './ddl.js';

type Event = 'INSERT' | 'UPDATE' | 'DELETE';

const REFERENCING: Record<Event, string> = {
  INSERT: 'referencing new table as new_rows',
  UPDATE: 'referencing new table as new_rows old table as old_rows',
  DELETE: 'referencing old table as old_rows',
};

/**
 * Install one statement-level AFTER trigger per event (with transition tables) on a table, in one
 * short transaction with lock_timeout and retries: the table is locked (SHARE ROW EXCLUSIVE) for
 * the three CREATE TRIGGERs only. `fn` is a schema-qualified trigger function name. Triggers named
 * in `replacing` are dropped in the same transaction, so one set hands over to the other with no
 * write seen by neither.
 */
export async function installStatementTriggers(
  sql: Sql,
  settings: Pick<RunSettings, 'lockTimeoutMs' | 'lockRetries'>,
  schema: string,
  table: string,
  names: Record<Event, string>,
  fn: readonly [string, string],
  onRetry?: (attempt: number, delayMs: number) => void,
  replacing?: Record<Event, string>,
): Promise<void> {
  await shortDdl(sql, settings, (tx) => swapStatementTriggers(tx, schema, table, names, fn, replacing), onRetry);
}

/**
 * The statements of `installStatementTriggers`, inside a transaction the caller holds (one that
 * switches several tables at once): drop `replacing` and any earlier `names`, create `names`.
 */
export async function swapStatementTriggers(
  tx: Sql,
  schema: string,
  table: string,
  names: Record<Event, string>,
  fn: readonly [string, string],
  replacing?: Record<Event, string>,
): Promise<void> {
  for (const st of statementTriggerSql(schema, table, names, fn, replacing)) await tx.unsafe(st);
}

/**
 * The SQL that swaps a table's statement triggers (what `installStatementTriggers` runs, and what
 * `cortex plan` shows): per event, drop `replacing` and any earlier `names`, create `names`.
 * Identifiers are quoted by ident(); the event keyword and REFERENCING clause come from the
 * constant table above, never from input.
 */
export function statementTriggerSql(schema: string, table: string, names: Record<Event, string>, fn: readonly [string, string], replacing?: Record<Event, string>): string[] {
  const on = `${ident(schema)}.${ident(table)}`;
  return (['INSERT', 'UPDATE', 'DELETE'] as const).flatMap((ev) => [
    ...(replacing ? [`drop trigger if exists ${ident(replacing[ev])} on ${on}`] : []),
    `drop trigger if exists ${ident(names[ev])} on ${on}`,
    `create trigger ${ident(names[ev])} after ${ev.toLowerCase()} on ${on} ${REFERENCING[ev]} for each statement execute function ${ident(fn[0])}.${ident(fn[1])}()`,
  ]);
}

/** Drop the per-event triggers of a table, in one short transaction. */
export async function dropStatementTriggers(
  sql: Sql,
  settings: Pick<RunSettings, 'lockTimeoutMs' | 'lockRetries'>,
  schema: string,
  table: string,
  names: Record<Event, string>,
): Promise<void> {
  await shortDdl(sql, settings, async (tx) => {
    for (const ev of ['INSERT', 'UPDATE', 'DELETE'] as const) {
      await tx`drop trigger if exists ${tx(names[ev])} on ${tx(schema)}.${tx(table)}`;
    }
  });
}

/**
 * A check that every mapped legacy table carries all of `names`, enabled, or else all of
 * `instead` (a set that has taken over from them).
 */
export async function triggersOnMappedTables(sql: Sql, id: string, names: string[], instead: string[] = []): Promise<Check> {
  const count = (set: string[]) => sql`
    (select count(*)::int from pg_trigger g
      where g.tgrelid = format('%I.%I', m.old_schema, m.old_table)::regclass
        and g.tgname = any(${set}) and g.tgenabled <> 'D')`;
  const rows = await sql<{ t: string; n: number; alt: number }[]>`
    select m.old_schema || '.' || m.old_table as t, ${count(names)} as n, ${count(instead)} as alt
    from cortex_migration.mapped_tables m order by m.position`;
  const missing = rows.filter((r) => r.n !== names.length && (instead.length === 0 || r.alt !== instead.length)).map((r) => r.t);
  return {
    id,
    status: missing.length === 0 ? 'passed' : 'failed',
    expected: `${names.length} enabled triggers on ${rows.length} tables${instead.length ? ` (or the ${instead.length} that replace them)` : ''}`,
    actual: missing.length === 0 ? 'all present' : `missing on ${missing.join(', ')}`,
  };
}
