// The way back, switched on: a row-level trigger on every target table with a reverse sync, so a
// write the application makes there reaches the legacy table in the same transaction. Row-level
// with a WHEN, not statement-level with transition tables: when the forward sync writes the target
// (cortex.in_forward on) nothing is queued at all, so dual-write pays nothing for it.
import { shortDdl } from '../../src/db/ddl.js';
import { drainReverseLog } from '../../src/db/reverse-log.js';
import { UNLESS_FORWARD } from '../../src/generate/templates/direction.js';
import { ident, qualified } from '../../src/generate/sql.js';
import { describeStatements } from '../../src/plan/locks.js';
import type { Check, StepContext, StepDescription, StepOutcome } from '../../src/plan/model.js';
import { REVERSE_TRIGGER, reverseTriggerFunction } from '../../src/names.js';
import { TABLES } from '../tables/index.js';

/** Each target table is locked only for its own CREATE TRIGGER (short lock_timeout, retried). */
export const transactional = false;

// The target tables with a way back, and those whose rows fold back into them (tag links), each once.
function targets(): Array<[string, string]> {
  const seen = new Map<string, [string, string]>();
  for (const t of TABLES) {
    if (!t.reverse) continue;
    seen.set(`${t.target.schema}.${t.target.table}`, [t.target.schema, t.target.table]);
    for (const o of t.reverse.owners ?? []) seen.set(o.table, o.table.split('.') as [string, string]);
  }
  return [...seen.values()];
}

function dropTrigger([schema, table]: [string, string]): string {
  return `drop trigger if exists ${ident(REVERSE_TRIGGER)} on ${qualified([schema, table])}`;
}

function createTrigger([schema, table]: [string, string]): string {
  return `create trigger ${ident(REVERSE_TRIGGER)} after insert or update or delete on ${qualified([schema, table])}
  for each row when (${UNLESS_FORWARD}) execute function ${qualified(reverseTriggerFunction(schema, table))}()`;
}

/** Install the reverse triggers, then apply anything deferred. */
export async function up({ sql, settings, log }: StepContext): Promise<StepOutcome> {
  for (const t of targets()) {
    await shortDdl(sql, settings, async (tx) => {
      await tx.unsafe(dropTrigger(t));
      await tx.unsafe(createTrigger(t));
    }, (a, d) => log(`${t.join('.')}: lock not available, retry ${a} in ${d} ms`));
  }
  // The legacy tables' write counters now: `cortex status` counts each side's writes from here.
  await sql`insert into cortex_migration.write_baseline (old_schema, old_table, legacy_rows)
            select m.old_schema, m.old_table, coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, 0)
              from cortex_migration.mapped_tables m
              left join pg_stat_user_tables s on s.relid = to_regclass(format('%I.%I', m.old_schema, m.old_table))
            on conflict (old_schema, old_table) do update set legacy_rows = excluded.legacy_rows, taken_at = excluded.taken_at`;
  const drained = await drainReverseLog(sql, Math.max(settings.lockRetries, 10));
  log(`reverse sync live on ${targets().length} target tables${drained ? `; ${drained} deferred writes applied` : ''}`);
  return { rows: drained };
}

/** Apply what was deferred (nothing may be left behind), then drop the triggers. */
export async function down({ sql, settings }: StepContext): Promise<void> {
  await drainReverseLog(sql, Math.max(settings.lockRetries, 10));
  for (const t of targets()) await shortDdl(sql, settings, (tx) => tx.unsafe(dropTrigger(t)));
  await sql`delete from cortex_migration.write_baseline`;
}

/** One short transaction per target table, then the deferred writes applied. */
export function describe(direction: 'up' | 'down'): StepDescription {
  const drain = 'select cortex_migration.drain_reverse_log(100) -- until it returns 0';
  return describeStatements(direction === 'up'
    ? [...targets().flatMap((t) => [dropTrigger(t), createTrigger(t)]), drain]
    : [drain, ...targets().map(dropTrigger)]);
}

/** The trigger is present and enabled on every target table with a way back, and nothing waits in the reverse log. */
export async function verify({ sql }: StepContext): Promise<Check[]> {
  const want = targets().map((t) => t.join('.'));
  const rows = await sql<{ t: string }[]>`
    select n.nspname || '.' || c.relname as t from pg_trigger g join pg_class c on c.oid = g.tgrelid
      join pg_namespace n on n.oid = c.relnamespace
     where g.tgname = ${REVERSE_TRIGGER} and g.tgenabled <> 'D'`;
  const have = new Set(rows.map((r) => r.t));
  const missing = want.filter((t) => !have.has(t));
  const [log] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.reverse_log`;
  return [
    { id: 'reverse-triggers', status: missing.length === 0 ? 'passed' : 'failed', expected: `enabled on ${want.length} target tables`, actual: missing.length === 0 ? 'all present' : `missing on ${missing.join(', ')}` },
    { id: 'reverse-log-drained', status: log!.n === 0 ? 'passed' : 'warning', expected: 0, actual: log!.n },
  ];
}
