// Phase 5: the gate before archive. Up changes nothing; the phase's verify (also `cortex validate`)
// runs every parity check inside one repeatable-read snapshot (the runner's verify transaction).
import type { Sql } from '../../src/db/client.js';
import { triggersOnMappedTables } from '../../src/db/triggers.js';
import type { Check, StepContext, StepOutcome } from '../../src/plan/model.js';
import { DUAL_WRITE_TRIGGERS } from '../../src/names.js';
import { bijectionCheck, parityChecks, referenceChecks } from '../../src/verify/parity.js';

/** Nothing to apply: validation reads only. */
export async function up(): Promise<StepOutcome> {
  return { rows: 0 };
}

/** Nothing to revert. */
export async function down(): Promise<void> {}

async function mapped(sql: Sql) {
  return sql<{ old_schema: string; old_table: string; new_schema: string; new_table: string }[]>`
    select old_schema, old_table, new_schema, new_table from cortex_migration.mapped_tables order by position`;
}

/** Every phase-5 check of DESIGN §3. */
export async function verify({ sql, log }: StepContext): Promise<Check[]> {
  const checks: Check[] = [];
  for (const m of await mapped(sql)) {
    checks.push(...(await parityChecks(sql, m)));
    log(`validated ${m.old_schema}.${m.old_table}`);
  }
  checks.push(...(await referenceChecks(sql)));
  checks.push(await bijectionCheck(sql));
  const [q] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.quarantine where coalesce(btrim(reason), '') = ''`;
  checks.push({ id: 'quarantine-has-reasons', status: q!.n === 0 ? 'passed' : 'failed', expected: 0, actual: q!.n });
  const fp = await sql<{ id: string; ok: boolean; expected: string; actual: string }[]>`
    select 'whatsapp-unchanged' as id, f.ddl_hash = n.ddl_hash and f.data_hash = n.data_hash as ok,
           f.ddl_hash || '/' || f.data_hash as expected, n.ddl_hash || '/' || n.data_hash as actual
    from cortex_migration.whatsapp_fingerprint f, cortex_migration.whatsapp_fingerprint() n`;
  checks.push(...fp.map((r) => ({ id: r.id, status: r.ok ? ('passed' as const) : ('failed' as const), expected: r.expected, actual: r.actual })));
  checks.push(await triggersOnMappedTables(sql, 'dual-write-triggers', Object.values(DUAL_WRITE_TRIGGERS)));
  return checks;
}
