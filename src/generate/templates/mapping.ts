// Phase 2: every legacy row gets its new id in cortex_migration.migration_mappings, derived from
// its key and the database's secret salt by cortex_migration.new_id.
import type { Template } from '../generate.js';
import { mappingFunction } from '../../names.js';
import type { TableSpec } from '../spec.js';
import { indent, keyText, literal, qualified } from '../sql.js';
import { SKIP_REVERSE_WRITES } from './direction.js';

/**
 * The statement that maps every row of `source` (the legacy table, or a trigger's transition
 * table) that has no mapping yet. The salt comes from a join, not a sub-select, so new_id() stays
 * inlinable.
 */
export function mappingInsert(spec: TableSpec, source: string): string {
  const { schema, table } = spec.legacy;
  return `insert into cortex_migration.migration_mappings (old_schema, old_table, old_id, new_schema, new_table, new_id)
select ${literal(schema)}, ${literal(table)}, k, ${literal(spec.target.schema)}, ${literal(spec.target.table)},
       cortex_migration.new_id(z.salt, ${spec.prefix ? literal(spec.prefix) : 'null'}, ${literal(schema)}, ${literal(table)}, k)
  from (select ${keyText(spec.legacy.key, 's')} as k from ${source} s) x cross join cortex_migration.id_salt z
on conflict (old_schema, old_table, old_id) do nothing`;
}

/**
 * map_<schema>_<table>(): the statement-level AFTER INSERT trigger function that maps the rows
 * the application inserts, at once. Static SQL, so plpgsql plans it once per session.
 */
export const mappingTrigger: Template = {
  source: 'mapping',
  render(spec) {
    const fn = qualified(mappingFunction(spec.legacy.schema, spec.legacy.table));
    return {
      up: `create function ${fn}() returns trigger language plpgsql as $$
begin
  -- A row the reverse sync inserts was mapped to its target row just before.
  ${SKIP_REVERSE_WRITES}
  ${indent(mappingInsert(spec, 'new_rows'), 2)};
  return null;
end $$;`,
      down: `drop function ${fn}();`,
    };
  },
};
