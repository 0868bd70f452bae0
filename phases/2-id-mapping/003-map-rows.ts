// Map every existing row of every mapped legacy table, set-based, one statement per table.
import type { Sql } from '../../src/db/client.js';
import type { Check, StepContext, StepOutcome } from '../../src/plan/model.js';
import { throwIfStopped } from '../../src/runner/interrupt.js';
import { mappedTableNames, mappingChecks } from './mapping-checks.js';

/** Fill cortex_migration.migration_mappings (idempotent: existing mappings are kept). */
export async function up({ sql, log }: StepContext): Promise<StepOutcome> {
  let total = 0;
  for (const t of await mappedTableNames(sql)) {
    throwIfStopped();
    const started = Date.now();
    const [r] = await (sql as Sql)<{ n: string }[]>`select cortex_migration.map_table(${t.old_schema}, ${t.old_table}) as n`;
    const n = Number(r!.n);
    total += n;
    log(`mapped ${t.old_schema}.${t.old_table}: ${n} rows in ${Date.now() - started} ms`);
  }
  // The backfill plans every batch against this table: give the planner its real size.
  await sql`analyze cortex_migration.migration_mappings`;
  return { rows: total };
}

/** Remove every mapping. */
export async function down({ sql }: StepContext): Promise<void> {
  await sql`delete from cortex_migration.migration_mappings`;
}

/** Per table: every legacy row has a mapping, ids well-formed; new ids unique; coverage complete. */
export async function verify({ sql }: StepContext): Promise<Check[]> {
  return mappingChecks(sql, (id) => id !== 'mapping-triggers');
}
