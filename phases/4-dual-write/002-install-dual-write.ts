// Install the dual-write triggers table by table, then replay what the change log captured since
// the backfill started (or since dual-write was last removed): no write is lost in between. Last,
// quarantined rows whose transform is good by now (the row they waited for exists) are retried.
import { drainChangeLog } from '../../src/db/change-log.js';
import { createGovernor } from '../../src/governor/create.js';
import { withLockRetry } from '../../src/db/retry.js';
import { mappedTables } from '../../src/db/mapped-tables.js';
import { installStatementTriggers, statementTriggerSql, triggersOnMappedTables } from '../../src/db/triggers.js';
import { literal } from '../../src/generate/sql.js';
import { describeStatements } from '../../src/plan/locks.js';
import type { Check, StepContext, StepDescription, StepOutcome } from '../../src/plan/model.js';
import { CHANGE_LOG_TRIGGERS, changeLogFunction, DUAL_WRITE_TRIGGERS, dualWriteFunction } from '../../src/names.js';
import { TABLES } from '../tables/index.js';

/** Each table is locked only for its own CREATE TRIGGERs (short lock_timeout, retried). */
export const transactional = false;

/**
 * Per table, the dual-write triggers replace the change-log triggers in one transaction (every
 * write is either logged or synced, and none pays for both), then the log is drained, in chunks
 * paced by the batch governor as the backfill's batches are.
 */
export async function up({ sql, settings, log, progress, target }: StepContext): Promise<StepOutcome> {
  let replayed = 0;
  const all = await mappedTables(sql);
  const governor = await createGovernor(settings.options, { ...(target ? { target } : {}), loop: sql });
  try {
    for (const [i, t] of all.entries()) {
      const position = { index: i + 1, count: all.length };
      await installStatementTriggers(sql, settings, t.old_schema, t.old_table, DUAL_WRITE_TRIGGERS,
        dualWriteFunction(t.old_schema, t.old_table), (a, d) => log(`${t.old_schema}.${t.old_table}: lock not available, retry ${a} in ${d} ms`),
        CHANGE_LOG_TRIGGERS);
      await sql`update cortex_migration.capture set mode = 'sync', changed_at = clock_timestamp()
                where old_schema = ${t.old_schema} and old_table = ${t.old_table}`;
      replayed += await drainChangeLog(sql, t.old_schema, t.old_table, Math.max(settings.lockRetries, 10),
        progress && ((p) => progress({ ...p, position })), undefined, governor);
    }
  } finally {
    await governor.close();
  }
  const throttle = governor.summary();
  log(`dual-write live; ${replayed} logged keys replayed`);
  // Rows whose retry dual-write missed (written concurrently with the row they waited for): here.
  const retried = await withLockRetry(async () => {
    const [r] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.retry_good_now()`;
    return r!.n;
  }, { retries: Math.max(settings.lockRetries, 10) });
  if (retried > 0) log(`${retried} quarantined rows retried and written: their transform is good now`);
  return { rows: replayed + retried, throttled: { ms: throttle.throttledMs, byReason: { ...throttle.byReason } } };
}

/** Per table, one short transaction: the dual-write triggers replace the change-log ones (functions: step 001). */
export function describe(direction: 'up' | 'down'): StepDescription {
  return describeStatements(TABLES.flatMap(({ legacy: { schema, table } }) => direction === 'up'
    ? [
        ...statementTriggerSql(schema, table, DUAL_WRITE_TRIGGERS, dualWriteFunction(schema, table), CHANGE_LOG_TRIGGERS),
        `update cortex_migration.capture set mode = 'sync' where old_schema = ${literal(schema)} and old_table = ${literal(table)}`,
        `-- then its change log, replayed into the target in chunks (cortex_migration.drain_change_log)`,
      ]
    : [
        `update cortex_migration.capture set mode = 'log' where old_schema = ${literal(schema)} and old_table = ${literal(table)}`,
        ...statementTriggerSql(schema, table, CHANGE_LOG_TRIGGERS, changeLogFunction(schema, table), DUAL_WRITE_TRIGGERS),
      ]));
}

/** Capture goes back to 'log', and the change-log triggers replace the dual-write ones in one transaction. */
export async function down({ sql, settings }: StepContext): Promise<void> {
  for (const t of await mappedTables(sql)) {
    await sql`update cortex_migration.capture set mode = 'log', changed_at = clock_timestamp()
              where old_schema = ${t.old_schema} and old_table = ${t.old_table}`;
    await installStatementTriggers(sql, settings, t.old_schema, t.old_table, CHANGE_LOG_TRIGGERS,
      changeLogFunction(t.old_schema, t.old_table), undefined, DUAL_WRITE_TRIGGERS);
  }
}

/** Triggers present and enabled everywhere, nothing left in the log, and a sample write round-trips. */
export async function verify({ sql }: StepContext): Promise<Check[]> {
  const triggers = await triggersOnMappedTables(sql, 'dual-write-triggers', Object.values(DUAL_WRITE_TRIGGERS));
  const [pending] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.change_log`;
  // Round trip inside the verify transaction, which the runner always rolls back.
  const probe = `cortex verify probe ${Date.now()}`;
  const [c] = await sql<{ id: number }[]>`insert into crm.contacts (full_name) values (${probe}) returning contact_id as id`;
  const [p] = await sql<{ full_name: string | null }[]>`
    select p.full_name from cortex_migration.migration_mappings mm join cortex_entities.persons p on p.id = mm.new_id
    where mm.old_schema = 'crm' and mm.old_table = 'contacts' and mm.old_id = ${String(c!.id)}`;
  return [
    triggers,
    { id: 'change-log-drained', status: pending!.n === 0 ? 'passed' : 'warning', expected: 0, actual: pending!.n },
    {
      id: 'sample-write-round-trip',
      status: p?.full_name === probe ? 'passed' : 'failed',
      expected: probe,
      actual: p?.full_name ?? null,
      details: 'a crm.contacts insert, rolled back with the verify',
    },
  ];
}
