// Rows inserted after phase 2 get their mapping as they are inserted: a statement-level trigger
// per mapped legacy table, installed one table at a time with a short lock_timeout and retries.
import type { Sql } from '../../src/db/client.js';
import { shortDdl } from '../../src/db/ddl.js';
import type { Check, StepContext, StepOutcome } from '../../src/plan/model.js';
import { MAPPING_TRIGGER } from '../../src/names.js';
import { mappedTableNames, mappingChecks } from './mapping-checks.js';

/** Each table is locked (SHARE ROW EXCLUSIVE) only for its own CREATE TRIGGER. */
export const transactional = false;

/** Install the triggers, then map rows inserted between step 003 and the trigger (catch-up). */
export async function up({ sql, settings, log }: StepContext): Promise<StepOutcome> {
  const tables = await mappedTableNames(sql);
  for (const t of tables) {
    const [f] = await (sql as Sql)<{ name: string }[]>`
      select cortex_migration.build_map_trigger(m) as name from cortex_migration.mapped_tables m
      where m.old_schema = ${t.old_schema} and m.old_table = ${t.old_table}`;
    await shortDdl(sql, settings, async (tx) => {
      await tx`drop trigger if exists ${tx(MAPPING_TRIGGER)} on ${tx(t.old_schema)}.${tx(t.old_table)}`;
      await tx`create trigger ${tx(MAPPING_TRIGGER)} after insert on ${tx(t.old_schema)}.${tx(t.old_table)}
               referencing new table as new_rows for each statement execute function cortex_migration.${tx(f!.name)}()`;
    }, (a, d) => log(`${t.old_schema}.${t.old_table}: lock not available, retry ${a} in ${d} ms`));
  }
  let caughtUp = 0;
  for (const t of tables) {
    const [r] = await (sql as Sql)<{ n: string }[]>`select cortex_migration.map_table(${t.old_schema}, ${t.old_table}) as n`;
    caughtUp += Number(r!.n);
  }
  log(`mapping triggers on ${tables.length} tables; ${caughtUp} rows caught up`);
  return { rows: caughtUp };
}

/** Drop the triggers, one table at a time, then the functions they called. */
export async function down({ sql, settings }: StepContext): Promise<void> {
  for (const t of await mappedTableNames(sql)) {
    // The trigger names its function; reading it back keeps the name generated in one place.
    const fns = await (sql as Sql)<{ name: string }[]>`
      select p.proname as name from pg_trigger g join pg_proc p on p.oid = g.tgfoid
      where g.tgrelid = to_regclass(format('%I.%I', ${t.old_schema}::text, ${t.old_table}::text)) and g.tgname = ${MAPPING_TRIGGER}
        and p.pronamespace = 'cortex_migration'::regnamespace`;
    await shortDdl(sql, settings, (tx) => tx`drop trigger if exists ${tx(MAPPING_TRIGGER)} on ${tx(t.old_schema)}.${tx(t.old_table)}`);
    for (const f of fns) await sql`drop function if exists cortex_migration.${sql(f.name)}()`;
  }
}

/** The trigger is present and enabled on every mapped table. */
export async function verify({ sql }: StepContext): Promise<Check[]> {
  return mappingChecks(sql, (id) => id === 'mapping-triggers');
}
