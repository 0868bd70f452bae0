// What phase 6 must find before it archives, on every attempt: a passing validation with nothing
// applied or reverted in phases 1-5 since, and every mapped legacy table dual-writing with nothing
// left in its change log (a write only logged would never reach the target once archived).
import type { Sql } from '../../src/db/client.js';
import { drainChangeLog } from '../../src/db/change-log.js';
import { installStatementTriggers } from '../../src/db/triggers.js';
import { CortexError } from '../../src/errors.js';
import type { Check, StepContext } from '../../src/plan/model.js';
import { CHANGE_LOG_TRIGGERS, DUAL_WRITE_TRIGGERS, dualWriteFunction } from '../../src/names.js';

/** A mapped legacy table, by name. */
export type MappedTable = Pick<import('../../src/db/mapped-tables.js').MappedTable, 'old_schema' | 'old_table'>;

async function latestValidation(sql: Sql) {
  const [r] = await sql<{ id: string; status: string; later: number }[]>`
    select r.id, r.status,
           (select count(*)::int from cortex_migration.events e
             where e.at > r.created_at and e.phase < 6 and e.direction in ('up', 'down')) as later
    from cortex_migration.reports r where r.phase = 5 and r.direction in ('up', 'verify')
    order by r.id desc limit 1`;
  return r;
}

/** Refuse (exit 6) unless the latest validation passed and no phase 1-5 step moved since. */
export async function assertValidated(sql: Sql): Promise<void> {
  const r = await latestValidation(sql);
  if (!r) throw new CortexError('REFUSED', 'archive needs a validation first: run `cortex validate`');
  if (r.status !== 'passed') throw new CortexError('REFUSED', `the latest validation (report #${r.id}) failed; fix it and run \`cortex validate\` again`);
  if (r.later > 0) throw new CortexError('REFUSED', `phases changed since the latest validation (report #${r.id}); run \`cortex validate\` again`);
}

/** The check the archive's verify reports: the validation that allowed it. */
export async function validationCheck(sql: Sql): Promise<Check> {
  const r = await latestValidation(sql);
  return { id: 'validated-before-archive', status: r?.status === 'passed' ? 'passed' : 'failed', expected: 'passed', actual: r?.status ?? 'none' };
}

/** A mapped table that is not plainly dual-writing, and how many logged keys wait for the target. */
export interface NotDualWritten extends MappedTable {
  logged: number;
}

/**
 * Mapped tables whose writes do not all reach the target right now: capture not in 'sync' mode,
 * a dual-write trigger missing or disabled, a change-log trigger present, or keys in the change log.
 */
export async function notDualWritten(sql: Sql): Promise<NotDualWritten[]> {
  const triggers = (names: string[]) => sql`
    (select count(*)::int from pg_trigger g
      where g.tgrelid = to_regclass(format('%I.%I', m.old_schema, m.old_table)) and g.tgname = any(${names}) and g.tgenabled <> 'D')`;
  const rows = await sql<(NotDualWritten & { mode: string | null; sync: number; log: number })[]>`
    select m.old_schema, m.old_table, c.mode,
           ${triggers(Object.values(DUAL_WRITE_TRIGGERS))} as sync,
           ${triggers(Object.values(CHANGE_LOG_TRIGGERS))} as log,
           (select coalesce(sum(cardinality(l.old_ids)), 0)::int from cortex_migration.change_log l
             where l.old_schema = m.old_schema and l.old_table = m.old_table) as logged
    from cortex_migration.mapped_tables m
    left join cortex_migration.capture c on c.old_schema = m.old_schema and c.old_table = m.old_table
    order by m.position`;
  return rows
    .filter((r) => r.mode !== 'sync' || r.sync !== Object.keys(DUAL_WRITE_TRIGGERS).length || r.log > 0 || r.logged > 0)
    .map((r) => ({ old_schema: r.old_schema, old_table: r.old_table, logged: r.logged }));
}

/**
 * Put one table back on dual-write (replacing its change-log triggers in one short transaction)
 * and replay its change log into the target; returns the keys replayed.
 */
export async function putDualWriteBack({ sql, settings, log, progress }: StepContext, t: MappedTable): Promise<number> {
  await installStatementTriggers(sql, settings, t.old_schema, t.old_table, DUAL_WRITE_TRIGGERS,
    dualWriteFunction(t.old_schema, t.old_table), (a, d) => log(`${t.old_schema}.${t.old_table}: lock not available, retry ${a} in ${d} ms`),
    CHANGE_LOG_TRIGGERS);
  await sql`update cortex_migration.capture set mode = 'sync', changed_at = clock_timestamp()
            where old_schema = ${t.old_schema} and old_table = ${t.old_table}`;
  return drainChangeLog(sql, t.old_schema, t.old_table, Math.max(settings.lockRetries, 10), progress);
}
