// Phase 3: the rows below a removed row. When a sync removes a target row whose legacy row is gone
// or can no longer be migrated, the target rows that hang off it through the target's foreign keys
// (a person's e-mails, a space's items, a task's subtasks) must end where a rebuild would put
// them: not written and quarantined. The sync removes them itself, deepest first, and syncs their
// legacy keys again; this function finds them.
import type { Template } from '../generate.js';
import { belowFunction } from '../../names.js';
import { dependentsOf, type Reference, type TableSpec } from '../spec.js';
import { ident, literal, qualified } from '../sql.js';

/**
 * One level below the ids along one foreign key: the child rows (with their legacy keys) as one
 * dependent_rows row, then, if the child has rows below it too, the levels below those.
 */
function level(child: TableSpec, reference: Reference, all: readonly TableSpec[]): string {
  const { schema, table } = child.legacy;
  const deeper = dependentsOf(child, all).length > 0;
  return `select array_agg(c.id::text), array_agg(mm.old_id::text) into d_new, d_old from ${qualified([child.target.schema, child.target.table])} c
    join cortex_migration.migration_mappings mm on mm.new_id = c.id::text and mm.old_schema = ${literal(schema)} and mm.old_table = ${literal(table)}
   where c.${ident(reference.column)} in (select x::${reference.type} from unnest(p_ids) x) and c.id::text not in (select x from unnest(p_seen || p_ids) x);
  if d_new is not null then
    return next row(p_depth, ${literal(schema)}, ${literal(table)}, d_new, d_old)::cortex_migration.dependent_rows;${deeper ? `
    return query select * from ${qualified(belowFunction(schema, table))}(d_new, p_seen || p_ids || d_new, p_depth + 1);` : ''}
  end if;`;
}

/**
 * below_<t>(p_ids, p_seen, p_depth): every target row below these target ids, level by level, for
 * a table with dependents. Static SQL per foreign key, so a one-row delete runs cached plans; the
 * ids arrive as arrays and are joined, not compared with = ANY, as a bulk delete passes thousands.
 * New ids are unique across tables, so one list of the ids seen stops a cycle (a task's subtasks).
 */
export const belowFunctions: Template = {
  source: 'below',
  render(spec, all) {
    // In a fixed order (child table, column), whatever the order of the specs.
    const sortKey = (e: { child: TableSpec; reference: Reference }) => `${e.child.legacy.schema}.${e.child.legacy.table}.${e.reference.column}`;
    const edges = dependentsOf(spec, all).sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    if (edges.length === 0) return undefined;
    const fn = qualified(belowFunction(spec.legacy.schema, spec.legacy.table));
    return {
      up: `create function ${fn}(p_ids text[], p_seen text[] default '{}', p_depth integer default 1)
returns setof cortex_migration.dependent_rows language plpgsql as $$
declare
  d_new text[];
  d_old text[];
begin
  ${edges.map((e) => level(e.child, e.reference, all)).join('\n\n  ')}
end $$;`,
      down: `drop function ${fn}(text[], text[], integer);`,
    };
  },
};
