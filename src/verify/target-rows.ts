// Validation from the target's side: every target row is accounted for by a legacy row (count
// parity both ways). A row the application created on the target that the way back did not write
// to legacy, or a target row whose legacy row is gone, fails; ids the reverse sync deferred while
// their legacy row was busy are in flight (a warning naming them).
import type { Sql } from '../db/client.js';
import { keyText, qualified } from '../generate/sql.js';
import type { Check } from '../plan/model.js';

type Target = { new_schema: string; new_table: string };
type Legacy = Target & { old_schema: string; old_table: string; key_columns: string[] };

// Rows no single legacy row accounts for by design: relationships a sync derives from a content
// row (a task's, a note's, an event's) or the application links to one (accounted for by that
// row), and kinds of relationship no legacy link table holds (target-only, never synced back).
const DERIVED: Record<string, string> = {
  'cortex_foundation.entity_relationships': `coalesce(t.metadata ? 'derived_from', false) or t.content_id is not null
    or cortex_migration.legacy_link_table(t.relationship_type, t.from_entity_id, t.to_entity_id, t.metadata) is null`,
};

const sample = (ids: string[] | null, n: number) => `${(ids ?? []).join(', ')}${n > (ids?.length ?? 0) ? ', …' : ''}`;

/** Per target table: rows no legacy row accounts for (no mapping to any of its legacy tables). */
async function unmappedRows(sql: Sql, t: Target): Promise<Check> {
  const name = `${t.new_schema}.${t.new_table}`;
  const derived = DERIVED[name] ? `and not (${DERIVED[name]})` : '';
  const [r] = await sql.unsafe<{ n: number; pending: number; ids: string[] | null }[]>(`
    select count(*)::int as n,
           count(*) filter (where exists (select 1 from cortex_migration.reverse_log l where t.id::text = any(l.new_ids)))::int as pending,
           (array_agg(t.id::text order by t.id::text))[1:10] as ids
      from ${qualified([t.new_schema, t.new_table])} t
     where not exists (select 1 from cortex_migration.migration_mappings mm
                        where mm.new_id = t.id::text and mm.new_schema = $1 and mm.new_table = $2) ${derived}`, [t.new_schema, t.new_table]);
  const n = r!.n;
  return {
    id: `accounted-${name}`,
    status: n === 0 ? 'passed' : n === r!.pending ? 'warning' : 'failed',
    expected: 0,
    actual: n,
    ...(n > 0 ? { details: `${name} rows no legacy row accounts for${r!.pending ? ` (${r!.pending} deferred by the reverse sync, in flight)` : ''}: ${sample(r!.ids, n)}` } : {}),
  };
}

/** Per legacy table: mapped target rows whose legacy row is gone. */
async function orphanedRows(sql: Sql, m: Legacy): Promise<Check> {
  const key = keyText(m.key_columns.map((name) => ({ name })), 'l');
  const [r] = await sql.unsafe<{ n: number; ids: string[] | null }[]>(`
    select count(*)::int as n, (array_agg(mm.new_id order by mm.new_id))[1:10] as ids
      from cortex_migration.migration_mappings mm join ${qualified([m.new_schema, m.new_table])} t on t.id::text = mm.new_id
     where mm.old_schema = $1 and mm.old_table = $2
       and not exists (select 1 from ${qualified([m.old_schema, m.old_table])} l where ${key} = mm.old_id)`, [m.old_schema, m.old_table]);
  const n = r!.n;
  const name = `${m.old_schema}.${m.old_table}`;
  return {
    id: `legacy-present-${name}`,
    status: n === 0 ? 'passed' : 'failed',
    expected: 0,
    actual: n,
    ...(n > 0 ? { details: `${m.new_schema}.${m.new_table} rows whose ${name} row is gone: ${sample(r!.ids, n)}` } : {}),
  };
}

/** Count parity from the target's side, for every mapped table and every target table. */
export async function targetRowChecks(sql: Sql): Promise<Check[]> {
  const tables = await sql<Legacy[]>`
    select old_schema, old_table, new_schema, new_table, key_columns from cortex_migration.mapped_tables order by position`;
  const targets = [...new Map(tables.map((t) => [`${t.new_schema}.${t.new_table}`, t])).values()];
  const checks: Check[] = [];
  for (const t of targets) checks.push(await unmappedRows(sql, t));
  for (const m of tables) checks.push(await orphanedRows(sql, m));
  return checks;
}
