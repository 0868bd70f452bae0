import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { packagePath } from '../../src/paths.js';
import { cortex } from '../lib/cli.js';
import { type BenchContext, type Metric, ratio, secs } from '../lib/context.js';
import { pgbench } from '../lib/pgbench.js';

const BULK_ROWS = 100_000;

/** Workload files of the benchmarks (pgbench scripts). */
export const workload = (name: string) => readFileSync(packagePath('bench', 'workloads', `${name}.sql`), 'utf8');

/** Run `fn` on one fresh connection to `url`, closed afterwards. */
async function onConnection<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Row counts pgbench scripts pick their random keys from. */
export async function workloadVars(url: string): Promise<{ contacts: number; tasks: number }> {
  return onConnection(url, async (sql) => {
    const [r] = await sql<{ contacts: number; tasks: number }[]>`
      select (select max(contact_id) from crm.contacts)::int as contacts, (select max(task_id) from crm.tasks)::int as tasks`;
    return r!;
  });
}

// The application's bulk statement: touch 100k tasks (every row really changes). With `byHand`,
// the floor: the target rows it implies are then updated by hand in the same transaction (one
// join through the mapping, only the changed column), with the cortex triggers off.
async function bulkUpdate(url: string, shiftSeconds: number, byHand = false): Promise<{ ms: number; rows: number }> {
  return onConnection(url, async (sql) => {
    await sql`vacuum analyze crm.tasks`;
    // The target too, once phase 1 has made it: dual-write and the floor start from the same state.
    const [t] = await sql<{ exists: boolean }[]>`select to_regclass('cortex_projects.tasks') is not null as exists`;
    if (t!.exists) await sql`vacuum analyze cortex_projects.tasks`;
    const t0 = performance.now();
    const rows = await sql.begin(async (tx) => {
      const r = await tx`update crm.tasks set updated_at = updated_at + make_interval(secs => ${shiftSeconds}) where task_id <= ${BULK_ROWS}`;
      if (byHand) {
        await tx`update cortex_projects.tasks t set updated_at = l.updated_at
                 from crm.tasks l join cortex_migration.migration_mappings mm
                   on mm.old_schema = 'crm' and mm.old_table = 'tasks' and mm.old_id = l.task_id::text
                 where l.task_id <= ${BULK_ROWS} and t.id = mm.new_id::uuid`;
      }
      return r.count;
    });
    return { ms: performance.now() - t0, rows };
  });
}

// Run `fn` with every cortex trigger on the two written tables disabled (the floor's own writes
// stand in for them), then put them back.
async function withoutCortexTriggers<T>(url: string, fn: () => Promise<T>): Promise<T> {
  return onConnection(url, async (sql) => {
    await sql.unsafe(workload('floor-functions'));
    await sql`alter table crm.contacts disable trigger user`;
    await sql`alter table crm.tasks disable trigger user`;
    try {
      return await fn();
    } finally {
      await sql`alter table crm.contacts enable trigger user`;
      await sql`alter table crm.tasks enable trigger user`;
      await sql`drop schema bench_floor cascade`;
    }
  });
}

// Small fixtures have fewer than 100k tasks: top them up so the bulk update touches 100k rows.
async function ensureTasks(url: string): Promise<void> {
  await onConnection(url, (sql) => sql`insert into crm.tasks (title, status, assigned_contact_id)
    select 'Bench task ' || g, 'pending', 1 + g % (select max(contact_id) from crm.contacts)
    from generate_series((select coalesce(max(task_id), 0) + 1 from crm.tasks), ${BULK_ROWS}) g`);
}

/**
 * On one database (a copy of the fixture): single-row write TPS and a 100k-row UPDATE without any
 * cortex trigger, then the same after phases 1–4 put the dual-write triggers in place. The
 * database (`bench_dual_write`, phases 1–4 applied) is left for the diff benchmark.
 */
export async function dualWrite(ctx: BenchContext, template: string): Promise<Record<string, Metric>> {
  const url = await ctx.server.create('bench_dual_write', template);
  await ensureTasks(url);
  const vars = await workloadVars(url);
  const w = { script: workload('writes'), clients: 4, seconds: ctx.sizes.seconds, vars };
  await ctx.server.checkpoint();
  ctx.log('dual-write: writes without triggers');
  const before = await pgbench(url, w);
  const bulkBefore = await bulkUpdate(url, 1);
  for (const n of [1, 2, 3, 4]) {
    ctx.log(`dual-write: cortex migrate phase ${n}`);
    await cortex(url, ['migrate', 'phase', String(n)]);
  }
  await ctx.server.checkpoint();
  ctx.log('dual-write: writes with dual-write triggers');
  const after = await pgbench(url, w);
  const bulkAfter = await bulkUpdate(url, 2);
  ctx.log('dual-write: floor (the application writes the target itself, by hand)');
  await ctx.server.checkpoint();
  const { floor, bulkFloorRun } = await withoutCortexTriggers(url, async () => ({
    floor: await pgbench(url, { ...w, script: workload('writes-floor') }),
    bulkFloorRun: await bulkUpdate(url, 3, true),
  }));
  // The lever the docs give the DBA: room on the target's pages, so its updated rows stay on their
  // page (HOT) and need no new index entries. Measured with the triggers on, then put back.
  ctx.log('dual-write: bulk update with fillfactor 50 on the target tasks');
  const bulkRoomy = await onConnection(url, async (sql) => {
    await sql`alter table cortex_projects.tasks set (fillfactor = 50)`;
    await sql`vacuum full cortex_projects.tasks`;
    try {
      return await bulkUpdate(url, 4);
    } finally {
      await sql`alter table cortex_projects.tasks reset (fillfactor)`;
    }
  });
  return {
    dual_write_tps_ratio: {
      value: ratio(after.tps, before.tps),
      detail: `pgbench, 4 clients, ${ctx.sizes.seconds} s each, 2 updates + 1 insert per transaction: ${before.tps.toFixed(0)} tps without triggers, ${after.tps.toFixed(0)} tps with dual-write; failed ${before.failed} / ${after.failed}. Floor, the same writes plus hand-written target writes in server-side functions and no trigger: ${floor.tps.toFixed(0)} tps (${ratio(floor.tps, before.tps)})`,
    },
    dual_write_bulk_update_slowdown: {
      value: ratio(bulkAfter.ms, bulkBefore.ms),
      detail: `UPDATE of ${bulkAfter.rows} crm.tasks rows: ${secs(bulkBefore.ms)} without triggers, ${secs(bulkAfter.ms)} with dual-write (the updated_at of the target rows copied in the same statement: the plain path). Floor, the UPDATE plus one hand-written UPDATE of the target rows through the mapping, no trigger: ${secs(bulkFloorRun.ms)} (${ratio(bulkFloorRun.ms, bulkBefore.ms)}). With dual-write after \`fillfactor = 50\` and VACUUM FULL on cortex_projects.tasks (the docs' lever; a target table twice the size): ${secs(bulkRoomy.ms)} (${ratio(bulkRoomy.ms, bulkBefore.ms)})`,
    },
  };
}
