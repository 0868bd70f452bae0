// The mapped tables as phase 2 loaded them from the plan's table specs: the one list, in
// dependency order (parents first), that steps and checks walk.
import type { Sql } from './client.js';

/** A mapped legacy table and its target, as `cortex_migration.mapped_tables` holds it. */
export interface MappedTable {
  readonly old_schema: string;
  readonly old_table: string;
  readonly new_schema: string;
  readonly new_table: string;
  readonly prefix: string | null;
  /** The planner's row estimate of the legacy table (0 when never analysed). */
  readonly estimated_rows: number;
}

/** The mapped tables in dependency order (parents first). */
export async function mappedTables(sql: Sql): Promise<MappedTable[]> {
  return sql<MappedTable[]>`
    select m.old_schema, m.old_table, m.new_schema, m.new_table, m.prefix,
           greatest(coalesce(c.reltuples, 0), 0)::float8 as estimated_rows
    from cortex_migration.mapped_tables m
    left join pg_class c on c.oid = to_regclass(format('%I.%I', m.old_schema, m.old_table))
    order by m.position`;
}
