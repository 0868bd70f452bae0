// Load the coverage manifest into cortex_migration so SQL (mapping, triggers, checks) can use it.
import type { Sql } from '../../src/db/client.js';
import { assertCoverage, loadCoverage, mappedTables } from '../../src/plan/coverage.js';
import type { Check, StepContext, StepOutcome } from '../../src/plan/model.js';
import { packageRoot } from '../../src/paths.js';

function manifest() {
  const c = loadCoverage(packageRoot);
  if (!c) throw new Error('phases/coverage.json is missing');
  return c;
}

/** Insert the manifest; refuse when a legacy table is not accounted for. */
export async function up({ sql }: StepContext): Promise<StepOutcome> {
  const c = manifest();
  await assertCoverage(sql, c);
  for (const [name, e] of Object.entries(c.tables)) {
    await sql`insert into cortex_migration.coverage (legacy_table, status, target, reason)
              values (${name}, ${e.status}, ${e.status === 'mapped' ? e.target : null}, ${'reason' in e ? e.reason : null})`;
  }
  let position = 0;
  for (const m of mappedTables(c)) {
    await sql`insert into cortex_migration.mapped_tables (old_schema, old_table, key_columns, new_schema, new_table, prefix, position)
              values (${m.oldSchema}, ${m.oldTable}, ${m.keyColumns}, ${m.newSchema}, ${m.newTable}, ${m.prefix}, ${position++})`;
  }
  return { rows: Object.keys(c.tables).length };
}

/** Remove the loaded manifest. */
export async function down({ sql }: StepContext): Promise<void> {
  await sql`delete from cortex_migration.mapped_tables`;
  await sql`delete from cortex_migration.coverage`;
}

/** The loaded manifest matches the file. */
export async function verify({ sql }: StepContext): Promise<Check[]> {
  const c = manifest();
  const [r] = await (sql as Sql)<{ n: number; m: number }[]>`
    select (select count(*) from cortex_migration.coverage)::int as n, (select count(*) from cortex_migration.mapped_tables)::int as m`;
  const want = Object.keys(c.tables).length;
  const wantMapped = mappedTables(c).length;
  return [
    { id: 'coverage-loaded', status: r!.n === want ? 'passed' : 'failed', expected: want, actual: r!.n },
    { id: 'mapped-tables-loaded', status: r!.m === wantMapped ? 'passed' : 'failed', expected: wantMapped, actual: r!.m },
  ];
}
