// Map every existing row of every mapped legacy table, set-based, one statement per table: the
// statement the mapping trigger runs for the rows of one INSERT, run over the whole table.
import { legacyName } from '../../src/generate/spec.js';
import { qualified } from '../../src/generate/sql.js';
import { mappingInsert } from '../../src/generate/templates/mapping.js';
import type { Check, StepContext, StepDescription, StepOutcome } from '../../src/plan/model.js';
import { throwIfStopped } from '../../src/runner/interrupt.js';
import { TABLES } from '../tables/index.js';
import { mappingChecks } from './mapping-checks.js';

const statements = () => TABLES.map((t) => ({ table: legacyName(t), text: mappingInsert(t, qualified([t.legacy.schema, t.legacy.table])) }));

/** Fill cortex_migration.migration_mappings (idempotent: existing mappings are kept). */
export async function up({ sql, log }: StepContext): Promise<StepOutcome> {
  let total = 0;
  for (const s of statements()) {
    throwIfStopped();
    const started = Date.now();
    const n = (await sql.unsafe(s.text)).count;
    total += n;
    log(`mapped ${s.table}: ${n} rows in ${Date.now() - started} ms`);
  }
  // The backfill plans every batch against this table: give the planner its real size.
  await sql`analyze cortex_migration.migration_mappings`;
  return { rows: total };
}

/** The statements up runs (one insert per table; they read the legacy tables and take no lock that blocks writers). */
export function describe(direction: 'up' | 'down'): StepDescription {
  if (direction === 'down') return { statements: ['delete from cortex_migration.migration_mappings'], locks: [] };
  return { statements: statements().map((s) => s.text), locks: [] };
}

/** Remove every mapping. */
export async function down({ sql }: StepContext): Promise<void> {
  await sql`delete from cortex_migration.migration_mappings`;
}

/** Per table: every legacy row has a mapping, ids well-formed; new ids unique; coverage complete. */
export async function verify({ sql }: StepContext): Promise<Check[]> {
  return mappingChecks(sql, (id) => id !== 'mapping-triggers');
}
