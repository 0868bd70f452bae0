// Validation from the target's side: every target row is accounted for by a legacy row (count
// parity both ways), and every mapped target row maps back to the legacy row it is mapped to. A
// row the application created on the target that the way back did not write to legacy, a target
// row whose legacy row is gone, or one the way back would refuse or write to another legacy row,
// fails; ids the reverse sync deferred while their legacy row was busy are in flight (a warning
// naming them).
import type { Sql } from '../db/client.js';
import { keyText, qualified } from '../generate/sql.js';
import { MIGRATION_SCHEMA, reverseView } from '../names.js';
import type { Check } from '../plan/model.js';

type Target = { new_schema: string; new_table: string };
type Legacy = Target & { old_schema: string; old_table: string; key_columns: string[]; reverse_sync_function: string | null };

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

/**
 * Per legacy table with a way back: mapped target rows its reverse view cannot turn back into a
 * legacy row (a problem), or turns into a legacy row of another key than the mapping's (where the
 * view yields the key columns: a composite key made of the row's references).
 */
async function mapsBack(sql: Sql, m: Legacy): Promise<Check> {
  const view = reverseView(m.old_schema, m.old_table);
  const cols = await sql<{ attname: string }[]>`
    select a.attname from pg_attribute a
     where a.attrelid = to_regclass(${qualified(view)}) and a.attnum > 0 and not a.attisdropped`;
  const name = `${m.old_schema}.${m.old_table}`;
  if (cols.length === 0) {
    return { id: `maps-back-${name}`, status: 'failed', expected: 'installed', actual: 'missing', details: `${qualified(view)} is missing` };
  }
  const have = new Set(cols.map((c) => c.attname));
  const keyed = m.key_columns.every((c) => have.has(c));
  const otherKey = keyed ? ` or ${keyText(m.key_columns.map((c) => ({ name: c })), 'v')} is distinct from v._old_id` : '';
  const [r] = await sql.unsafe<{ n: number; pending: number; ids: string[] | null }[]>(`
    select count(*)::int as n,
           count(*) filter (where exists (select 1 from ${MIGRATION_SCHEMA}.reverse_log l where v._new_id::text = any(l.new_ids)))::int as pending,
           (array_agg(v._new_id::text || coalesce(' (' || (v._problem->>'reason') || ')', ' (maps back to ' || v._old_id || ' as another row)')
                      order by v._new_id::text))[1:10] as ids
      from ${qualified(view)} v
     where v._old_id is not null and (v._problem is not null${otherKey})`);
  const n = r!.n;
  return {
    id: `maps-back-${name}`,
    status: n === 0 ? 'passed' : n === r!.pending ? 'warning' : 'failed',
    expected: 0,
    actual: n,
    ...(n > 0 ? { details: `${m.new_schema}.${m.new_table} rows that would not map back to their ${name} row${r!.pending ? ` (${r!.pending} deferred by the reverse sync, in flight)` : ''}: ${sample(r!.ids, n)}` } : {}),
  };
}

/** Count parity from the target's side, for every mapped table and every target table. */
export async function targetRowChecks(sql: Sql): Promise<Check[]> {
  const tables = await sql<Legacy[]>`
    select old_schema, old_table, new_schema, new_table, key_columns, reverse_sync_function
      from cortex_migration.mapped_tables order by position`;
  const targets = [...new Map(tables.map((t) => [`${t.new_schema}.${t.new_table}`, t])).values()];
  const checks: Check[] = [];
  for (const t of targets) checks.push(await unmappedRows(sql, t));
  for (const m of tables) checks.push(await orphanedRows(sql, m));
  for (const m of tables) if (m.reverse_sync_function) checks.push(await mapsBack(sql, m));
  return checks;
}
