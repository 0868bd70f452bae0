// Load the coverage manifest and the mapped tables (from their specs) into cortex_migration, so
// SQL (mapping, triggers, checks, the generic sync helpers) can use them.
import { dependentsOf, legacyName } from '../../src/generate/spec.js';
import { belowFunction, changeLogFunction, dualWriteFunction, mappingFunction, reverseSyncFunction, syncFillFunction, syncFunction, syncOneFunction, transformView } from '../../src/names.js';
import { assertCoverage, assertSpecsCover, type Coverage, loadCoverage } from '../../src/plan/coverage.js';
import { literal } from '../../src/generate/sql.js';
import { describeStatements } from '../../src/plan/locks.js';
import type { Check, StepContext, StepDescription, StepOutcome } from '../../src/plan/model.js';
import { packageRoot } from '../../src/paths.js';
import { TABLES } from '../tables/index.js';

function manifest(): Coverage {
  const c = loadCoverage(packageRoot);
  if (!c) throw new Error('phases/coverage.json is missing');
  assertSpecsCover(c, TABLES.map(legacyName));
  return c;
}

/** Insert the manifest and the mapped tables; refuse when a legacy table is not accounted for. */
export async function up({ sql }: StepContext): Promise<StepOutcome> {
  const c = manifest();
  await assertCoverage(sql, c);
  const targets = new Map(TABLES.map((t) => [legacyName(t), `${t.target.schema}.${t.target.table}`]));
  for (const [name, e] of Object.entries(c.tables)) {
    await sql`insert into cortex_migration.coverage (legacy_table, status, target, reason)
              values (${name}, ${e.status}, ${targets.get(name) ?? null}, ${'reason' in e ? e.reason : null})`;
  }
  for (const [position, t] of TABLES.entries()) {
    const { schema, table } = t.legacy;
    const below = dependentsOf(t, TABLES).length > 0 ? belowFunction(schema, table)[1] : null;
    await sql`insert into cortex_migration.mapped_tables (old_schema, old_table, key_columns, key_type, new_schema, new_table, prefix,
                content_type, has_tags, has_links, position, transform_view, sync_function, sync_fill_function, sync_one_function,
                below_function, mapping_function, change_log_function, dual_write_function, reverse_sync_function, insert_only)
              values (${schema}, ${table}, ${t.legacy.key.map((k) => k.name)}, ${t.legacy.key[0]!.type}, ${t.target.schema}, ${t.target.table},
                ${t.prefix ?? null}, ${t.contentType}, ${t.tags !== undefined}, ${t.links === true}, ${position},
                ${transformView(schema, table)[1]}, ${syncFunction(schema, table)[1]}, ${syncFillFunction(schema, table)[1]},
                ${syncOneFunction(schema, table)[1]}, ${below}, ${mappingFunction(schema, table)[1]}, ${changeLogFunction(schema, table)[1]},
                ${dualWriteFunction(schema, table)[1]}, ${t.reverse ? reverseSyncFunction(schema, table)[1] : null}, ${[...(t.insertOnly ?? [])]}::text[])`;
  }
  for (const t of TABLES) {
    for (const r of t.references) {
      const [parentSchema, parentTable] = r.parent.split('.') as [string, string];
      await sql`insert into cortex_migration.mapped_references (child_schema, child_table, child_column, column_type, parent_schema, parent_table)
                values (${t.legacy.schema}, ${t.legacy.table}, ${r.column}, ${r.type}, ${parentSchema}, ${parentTable})`;
    }
  }
  return { rows: Object.keys(c.tables).length };
}

/** The manifest's rows and the specs' tables and references, inserted into cortex_migration. */
export function describe(direction: 'up' | 'down'): StepDescription {
  if (direction === 'down') return describeStatements(['delete from cortex_migration.mapped_references', 'delete from cortex_migration.mapped_tables', 'delete from cortex_migration.coverage']);
  return describeStatements([
    `-- one row per legacy table of phases/coverage.json:\ninsert into cortex_migration.coverage (legacy_table, status, target, reason) values ($1, $2, $3, $4)`,
    ...TABLES.map((t) => `insert into cortex_migration.mapped_tables (old_schema, old_table, …) values (${literal(t.legacy.schema)}, ${literal(t.legacy.table)}, …)`),
    `-- one row per reference of the specs:\ninsert into cortex_migration.mapped_references (child_schema, child_table, child_column, column_type, parent_schema, parent_table) values ($1, …)`,
  ]);
}

/** Remove the loaded manifest. */
export async function down({ sql }: StepContext): Promise<void> {
  await sql`delete from cortex_migration.mapped_references`;
  await sql`delete from cortex_migration.mapped_tables`;
  await sql`delete from cortex_migration.coverage`;
}

/** The loaded manifest matches the file and the specs. */
export async function verify({ sql }: StepContext): Promise<Check[]> {
  const c = manifest();
  const [r] = await sql<{ n: number; m: number }[]>`
    select (select count(*) from cortex_migration.coverage)::int as n, (select count(*) from cortex_migration.mapped_tables)::int as m`;
  const want = Object.keys(c.tables).length;
  return [
    { id: 'coverage-loaded', status: r!.n === want ? 'passed' : 'failed', expected: want, actual: r!.n },
    { id: 'mapped-tables-loaded', status: r!.m === TABLES.length ? 'passed' : 'failed', expected: TABLES.length, actual: r!.m },
  ];
}
