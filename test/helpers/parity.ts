// Per mapped table: legacy rows, the target rows that came from them (by the mapping), and the
// rows quarantined; the counts a backfill test compares.
import type { TestDatabase } from './db.js';

/** Count parity of every mapped table, in mapping order. */
export async function countParity(db: TestDatabase) {
  return db.sql<{ t: string; legacy: number; target: number; q: number }[]>`
    select m.old_schema || '.' || m.old_table as t,
           (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I', m.old_schema, m.old_table), false, true, '')))[1]::text::int as legacy,
           (xpath('/row/c/text()', query_to_xml(format(
              'select count(*) as c from %I.%I x join cortex_migration.migration_mappings mm on mm.new_id = x.id::text where mm.old_schema = %L and mm.old_table = %L',
              m.new_schema, m.new_table, m.old_schema, m.old_table), false, true, '')))[1]::text::int as target,
           (select count(*)::int from cortex_migration.quarantine q where q.old_schema = m.old_schema and q.old_table = m.old_table) as q
    from cortex_migration.mapped_tables m order by m.position`;
}
