import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/paths.js';
import { cortex } from '../lib/cli.js';
import { type BenchContext, type Metric, median, ratio, secs } from '../lib/context.js';
import type { PgbenchOptions, PgbenchRun } from '../lib/pgbench.js';
import { interleavedRounds, onConnection, type Round } from '../lib/rounds.js';

const BULK_ROWS = 100_000;

/** Workload files of the benchmarks (pgbench scripts). */
export const workload = (name: string) => readFileSync(packagePath('bench', 'workloads', `${name}.sql`), 'utf8');

/** Row counts pgbench scripts pick their random keys from. */
export async function workloadVars(url: string): Promise<{ contacts: number; tasks: number }> {
  return onConnection(url, async (sql) => {
    const [r] = await sql<{ contacts: number; tasks: number }[]>`
      select (select max(contact_id) from crm.contacts)::int as contacts, (select max(task_id) from crm.tasks)::int as tasks`;
    return r!;
  });
}

/** What runs beside the application's bulk UPDATE: its triggers, the floor's join, or the ideal write. */
type BulkMode = 'triggers' | 'floor' | 'ideal';

// The application's bulk statement: touch 100k tasks (every row really changes). With 'floor', the
// target rows it implies are then updated by hand in the same transaction (one join through the
// mapping, only the changed column), with the cortex triggers off. With 'ideal', the same but the
// target ids are looked up before the clock starts: what any synchronous dual-write must at least
// pay, the target row updates themselves.
async function bulkUpdate(url: string, shiftSeconds: number, mode: BulkMode = 'triggers'): Promise<{ ms: number; rows: number }> {
  return onConnection(url, async (sql) => {
    await sql`vacuum analyze crm.tasks`;
    // The target too, once phase 1 has made it: dual-write and the floor start from the same state.
    const [t] = await sql<{ exists: boolean }[]>`select to_regclass('cortex_projects.tasks') is not null as exists`;
    if (t!.exists) await sql`vacuum analyze cortex_projects.tasks`;
    await sql`checkpoint`;
    if (mode === 'ideal') {
      await sql`create temp table ideal_ids as select mm.new_id::uuid as id
                from crm.tasks l join cortex_migration.migration_mappings mm
                  on mm.old_schema = 'crm' and mm.old_table = 'tasks' and mm.old_id = l.task_id::text
                where l.task_id <= ${BULK_ROWS}`;
      await sql`analyze ideal_ids`;
    }
    const t0 = performance.now();
    const rows = await sql.begin(async (tx) => {
      // The floor's and the ideal's target writes stand for dual-write's: not written back (the reverse triggers' WHEN).
      if (mode !== 'triggers') await tx`set local cortex.in_forward = 'on'`;
      const r = await tx`update crm.tasks set updated_at = updated_at + make_interval(secs => ${shiftSeconds}) where task_id <= ${BULK_ROWS}`;
      if (mode === 'floor') {
        await tx`update cortex_projects.tasks t set updated_at = l.updated_at
                 from crm.tasks l join cortex_migration.migration_mappings mm
                   on mm.old_schema = 'crm' and mm.old_table = 'tasks' and mm.old_id = l.task_id::text
                 where l.task_id <= ${BULK_ROWS} and t.id = mm.new_id::uuid`;
      } else if (mode === 'ideal') {
        await tx`update cortex_projects.tasks t set updated_at = t.updated_at + make_interval(secs => ${shiftSeconds})
                 from ideal_ids i where t.id = i.id`;
      }
      return r.count;
    });
    return { ms: performance.now() - t0, rows };
  });
}

const ROUNDS = 3;

// Switch every cortex trigger on the two written tables off (the application alone, or the floor's
// own writes standing in for them) or back on. Phase 4 leaves no user trigger there disabled.
async function cortexTriggers(url: string, on: boolean): Promise<void> {
  await onConnection(url, async (sql) => {
    if (on) {
      await sql`alter table crm.contacts enable trigger user`;
      await sql`alter table crm.tasks enable trigger user`;
    } else {
      await sql`alter table crm.contacts disable trigger user`;
      await sql`alter table crm.tasks disable trigger user`;
    }
  });
}

// Rounds of the three single-row runs, interleaved on the database with phases 1–4 applied; one
// 60 s run each varied the floor's ratio from 0.55 to 0.69 between bench runs.
async function singleRowRounds(ctx: BenchContext, url: string, w: PgbenchOptions): Promise<Round[]> {
  await onConnection(url, (sql) => sql.unsafe(workload('floor-functions')));
  try {
    return await interleavedRounds(ctx, url, w, ROUNDS, {
      label: 'dual-write',
      triggers: cortexTriggers,
      base: { what: 'writes without cortex triggers', script: 'writes' },
      on: { what: 'writes with dual-write', script: 'writes' },
      floor: { what: 'floor (the application writes the target itself, by hand)', script: 'writes-floor' },
    }, workload);
  } finally {
    await onConnection(url, (sql) => sql`drop schema bench_floor cascade`);
  }
}

// Small fixtures have fewer than 100k tasks: top them up so the bulk update touches 100k rows.
async function ensureTasks(url: string): Promise<void> {
  await onConnection(url, (sql) => sql`insert into crm.tasks (title, status, assigned_contact_id)
    select 'Bench task ' || g, 'pending', 1 + g % (select max(contact_id) from crm.contacts)
    from generate_series((select coalesce(max(task_id), 0) + 1 from crm.tasks), ${BULK_ROWS}) g`);
}

/**
 * On one database (a copy of the fixture): a 100k-row UPDATE without any cortex trigger; then, after
 * phases 1–4 put the dual-write triggers in place, rounds of single-row write TPS without cortex
 * triggers, with dual-write and the floor; then the 100k-row UPDATE with dual-write, as the floor, as
 * the ideal write and with room on the target's pages, each on a copy of that database. The
 * database (`bench_dual_write`, phases 1–4 applied) is left for the diff benchmark.
 */
export async function dualWrite(ctx: BenchContext, template: string): Promise<Record<string, Metric>> {
  const url = await ctx.server.create('bench_dual_write', template);
  await ensureTasks(url);
  const vars = await workloadVars(url);
  const w = { script: '', clients: 4, seconds: Math.max(5, Math.round(ctx.sizes.seconds / ROUNDS)), vars };
  const bulkBefore = await bulkUpdate(url, 1);
  for (const n of [1, 2, 3, 4]) {
    ctx.log(`dual-write: cortex migrate phase ${n}`);
    await cortex(url, ['migrate', 'phase', String(n)]);
  }
  const rounds = await singleRowRounds(ctx, url, w);
  // Each bulk run on its own copy of the database as phases 1–4 and the rounds left it: one run's
  // dead rows and index page splits leave room that would make every later run cheaper.
  const onCopy = async (what: string, prepare: (copy: string) => Promise<unknown>, shift: number, mode?: BulkMode) => {
    ctx.log(`dual-write: bulk UPDATE, ${what}`);
    const copy = await ctx.server.create('bench_dual_write_bulk', 'bench_dual_write');
    try {
      await prepare(copy);
      return await bulkUpdate(copy, shift, mode);
    } finally {
      await ctx.server.drop('bench_dual_write_bulk');
    }
  };
  const triggersOff = (copy: string) => cortexTriggers(copy, false);
  const bulkAfter = await onCopy('with dual-write', async () => {}, 2);
  const bulkFloorRun = await onCopy('floor (the application updates the target itself, by hand)', triggersOff, 3, 'floor');
  const bulkIdeal = await onCopy('ideal (the target rows updated by ids known in advance)', triggersOff, 4, 'ideal');
  // The lever the docs give the DBA: room on the target's pages, so its updated rows stay on their
  // page (HOT) and need no new index entries.
  const bulkRoomy = await onCopy('with dual-write and fillfactor 50 on the target tasks', (copy) =>
    onConnection(copy, async (sql) => {
      await sql`alter table cortex_projects.tasks set (fillfactor = 50)`;
      await sql`vacuum full cortex_projects.tasks`;
    }), 5);
  const tps = (runs: PgbenchRun[]) => runs.map((x) => x.tps.toFixed(0)).join(' / ');
  const ratios = (pick: (r: Round) => PgbenchRun) => rounds.map((r) => ratio(pick(r).tps, r.base.tps));
  const failed = (pick: (r: Round) => PgbenchRun) => rounds.reduce((n, r) => n + pick(r).failed, 0);
  return {
    dual_write_tps_ratio: {
      value: median(ratios((r) => r.on)),
      detail: `pgbench, 4 clients, 2 updates + 1 insert per transaction, ${ROUNDS} interleaved rounds of ${w.seconds} s runs on the database with phases 1–4 (cortex triggers switched off for the runs without them); median of the rounds' ratios ${ratios((r) => r.on).join(' / ')}. Tps without cortex triggers ${tps(rounds.map((r) => r.base))}, with dual-write ${tps(rounds.map((r) => r.on))}; failed ${failed((r) => r.base)} / ${failed((r) => r.on)}. Floor, the same writes plus hand-written target writes in server-side functions and no trigger: ${tps(rounds.map((r) => r.floor))} tps, median ratio ${median(ratios((r) => r.floor))} (${ratios((r) => r.floor).join(' / ')})`,
    },
    dual_write_bulk_update_slowdown: {
      value: ratio(bulkAfter.ms, bulkBefore.ms),
      detail: `UPDATE of ${bulkAfter.rows} crm.tasks rows, each run with cortex objects on its own copy of the database: ${secs(bulkBefore.ms)} without triggers, ${secs(bulkAfter.ms)} with dual-write (the updated_at of the target rows copied in the same statement: the plain path). Floor, the UPDATE plus one hand-written UPDATE of the target rows through the mapping, no trigger: ${secs(bulkFloorRun.ms)} (${ratio(bulkFloorRun.ms, bulkBefore.ms)}). Ideal, the UPDATE plus the target rows updated by ids looked up before the clock started: ${secs(bulkIdeal.ms)} (${ratio(bulkIdeal.ms, bulkBefore.ms)}). With dual-write after \`fillfactor = 50\` and VACUUM FULL on cortex_projects.tasks (the docs' lever; a target table twice the size): ${secs(bulkRoomy.ms)} (${ratio(bulkRoomy.ms, bulkBefore.ms)})`,
    },
  };
}
