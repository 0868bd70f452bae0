// Shared by steps 003 and 004: run cortex_migration.check_mappings() and keep some of its rows.
import type { Sql } from '../../src/db/client.js';
import type { Check } from '../../src/plan/model.js';
import { MAPPING_TRIGGER } from '../../src/names.js';

type Row = { id: string; status: Check['status']; expected: string | null; actual: string | null; details: string | null };

/** The phase-2 checks whose id passes `keep`. */
export async function mappingChecks(sql: Sql, keep: (id: string) => boolean): Promise<Check[]> {
  const rows = await sql<Row[]>`select * from cortex_migration.check_mappings(${MAPPING_TRIGGER})`;
  return rows
    .filter((r) => keep(r.id))
    .map((r) => ({
      id: r.id,
      status: r.status,
      ...(r.expected !== null ? { expected: r.expected } : {}),
      ...(r.actual !== null ? { actual: r.actual } : {}),
      ...(r.details !== null ? { details: r.details } : {}),
    }));
}
