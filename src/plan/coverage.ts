import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Sql } from '../db/client.js';
import { CortexError } from '../errors.js';

const Entry = z.discriminatedUnion('status', [
  // What a mapped table maps to, and how, is its table spec (phases/tables).
  z.strictObject({ status: z.literal('mapped') }),
  z.strictObject({ status: z.literal('archived'), reason: z.string().min(10) }),
  z.strictObject({ status: z.literal('preserved'), reason: z.string().min(10) }),
]);

/** The coverage manifest (`phases/coverage.json`): every legacy table, mapped or archived-only or preserved. */
export const CoverageSchema = z.strictObject({
  legacySchemas: z.array(z.string().min(1)).min(1),
  tables: z.record(z.string().regex(/^[a-z_]+\.[a-z_]+$/), Entry),
  /** Target tables (`schema.table`) and columns (`schema.table.column`) with no legacy home: never synced back, with the reason. */
  targetOnly: z.record(z.string().regex(/^[a-z_]+\.[a-z_]+(\.[a-z_]+)?$/), z.string().min(10)).default({}),
  /** Target tables the syncs derive from other rows (a registry, tag links): not mapped from one legacy table, with the reason. */
  derived: z.record(z.string().regex(/^[a-z_]+\.[a-z_]+$/), z.string().min(10)).default({}),
});

/** Parsed coverage manifest. */
export type Coverage = z.infer<typeof CoverageSchema>;

/** Load the coverage manifest of a plan, or undefined when the plan has none. */
export function loadCoverage(planRoot: string): Coverage | undefined {
  const file = join(planRoot, 'phases', 'coverage.json');
  if (!existsSync(file)) return undefined;
  const r = CoverageSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new CortexError('CONFIG', `${file}: ${i.path.join('.')}: ${i.message}`);
  }
  return r.data;
}

/** Refuse (exit 2) a manifest whose mapped tables are not exactly the tables that have a spec. */
export function assertSpecsCover(c: Coverage, specs: readonly string[]): void {
  const mapped = Object.entries(c.tables).filter(([, e]) => e.status === 'mapped').map(([name]) => name);
  const noSpec = mapped.filter((t) => !specs.includes(t));
  const notMapped = specs.filter((t) => !mapped.includes(t));
  if (noSpec.length > 0 || notMapped.length > 0) {
    throw new CortexError('CONFIG', [
      noSpec.length > 0 ? `mapped in phases/coverage.json but without a table spec: ${noSpec.join(', ')}` : '',
      notMapped.length > 0 ? `a table spec but not mapped in phases/coverage.json: ${notMapped.join(', ')}` : '',
    ].filter(Boolean).join('; '));
  }
}

/** Legacy tables on the server that the manifest does not account for, and listed tables that are absent. */
export async function coverageGaps(sql: Sql, c: Coverage): Promise<{ unknown: string[]; absent: string[] }> {
  const rows = await sql<{ name: string }[]>`
    select n.nspname || '.' || c.relname as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and n.nspname = any(${c.legacySchemas}) and not c.relispartition
    order by 1`;
  const live = new Set(rows.map((r) => r.name));
  return {
    unknown: [...live].filter((t) => !(t in c.tables)),
    absent: Object.keys(c.tables).filter((t) => !live.has(t)),
  };
}

/** Refuse (exit 6) when a legacy table is not in the manifest: nothing may be silently left behind. */
export async function assertCoverage(sql: Sql, c: Coverage): Promise<void> {
  const { unknown } = await coverageGaps(sql, c);
  if (unknown.length > 0) {
    throw new CortexError(
      'REFUSED',
      `legacy table${unknown.length > 1 ? 's' : ''} not in the coverage manifest (phases/coverage.json): ${unknown.join(', ')}`,
    );
  }
}
