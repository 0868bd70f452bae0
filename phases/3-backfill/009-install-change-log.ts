// Before the first batch: log the keys of every write to a mapped legacy table, so nothing written
// while the backfill runs (or while dual-write is off) is lost. One short lock per table.
import { mappedTables } from '../../src/db/mapped-tables.js';
import { dropStatementTriggers, installStatementTriggers, statementTriggerSql, triggersOnMappedTables } from '../../src/db/triggers.js';
import { describeStatements } from '../../src/plan/locks.js';
import type { Check, StepContext, StepDescription, StepOutcome } from '../../src/plan/model.js';
import { TABLES } from '../tables/index.js';
import { CHANGE_LOG_TRIGGERS, changeLogFunction, DUAL_WRITE_TRIGGERS } from '../../src/names.js';


/** Each table is locked only for its own CREATE TRIGGERs. */
export const transactional = false;

/** Install the change-log triggers and start capture in 'log' mode. */
export async function up({ sql, settings, log }: StepContext): Promise<StepOutcome> {
  const tables = await mappedTables(sql);
  for (const t of tables) {
    await sql`insert into cortex_migration.capture (old_schema, old_table) values (${t.old_schema}, ${t.old_table})
              on conflict do nothing`;
    await installStatementTriggers(sql, settings, t.old_schema, t.old_table, CHANGE_LOG_TRIGGERS,
      changeLogFunction(t.old_schema, t.old_table), (a, d) => log(`${t.old_schema}.${t.old_table}: lock not available, retry ${a} in ${d} ms`));
  }
  log(`change log capturing writes on ${tables.length} tables`);
  return { rows: 0 };
}

/** Drop the change-log triggers. */
export async function down({ sql, settings }: StepContext): Promise<void> {
  for (const t of await mappedTables(sql)) {
    await dropStatementTriggers(sql, settings, t.old_schema, t.old_table, CHANGE_LOG_TRIGGERS);
  }
  await sql`delete from cortex_migration.capture`;
}

/** Per table, one short transaction: its change-log triggers (their functions are generated in step 008). */
export function describe(direction: 'up' | 'down'): StepDescription {
  return describeStatements(TABLES.flatMap(({ legacy: { schema, table } }) => direction === 'up'
    ? statementTriggerSql(schema, table, CHANGE_LOG_TRIGGERS, changeLogFunction(schema, table))
    : Object.values(CHANGE_LOG_TRIGGERS).map((t) => `drop trigger if exists ${t} on ${schema}.${table}`)));
}

/** Every mapped table logs its writes, or has handed over to dual-write (phase 4 swaps them). */
export async function verify({ sql }: StepContext): Promise<Check[]> {
  return [await triggersOnMappedTables(sql, 'change-log-triggers', Object.values(CHANGE_LOG_TRIGGERS), Object.values(DUAL_WRITE_TRIGGERS))];
}
