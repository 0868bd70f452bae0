// The way back's cost to an application that writes the target: single-row target writes with the
// reverse sync, without it, and with the legacy rows written by hand (the floor), in interleaved
// rounds on the database the dual-write metrics left with phases 1–4 applied.
import postgres from 'postgres';
import { type BenchContext, type Metric, median, ratio } from '../lib/context.js';
import { type PgbenchRun, pgbench } from '../lib/pgbench.js';
import { workload } from './dual-write.js';

const ROUNDS = 3;

async function onConnection<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// The reverse trigger of the written target table on or off (the runs without it, and the floor).
async function reverseTrigger(url: string, on: boolean): Promise<void> {
  await onConnection(url, (sql) => sql.unsafe(`alter table cortex_projects.tasks ${on ? 'enable' : 'disable'} trigger cortex_reverse_sync`));
}

/** reverse_write_tps_ratio on `url` (phases 1–4 applied, e.g. bench_dual_write). */
export async function reverseWrite(ctx: BenchContext, url: string): Promise<Record<string, Metric>> {
  const tasks = await onConnection(url, async (sql) => {
    await sql`create schema bench_reverse`;
    await sql`create table bench_reverse.task_ids as select row_number() over (order by id)::int as n, id from cortex_projects.tasks`;
    await sql`alter table bench_reverse.task_ids add primary key (n)`;
    await sql.unsafe(workload('reverse-floor-functions'));
    const [r] = await sql<{ n: number }[]>`select count(*)::int as n from bench_reverse.task_ids`;
    return r!.n;
  });
  const w = { clients: 4, seconds: Math.max(5, Math.round(ctx.sizes.seconds / ROUNDS)), vars: { tasks } };
  const rounds: Array<{ base: PgbenchRun; reverse: PgbenchRun; floor: PgbenchRun }> = [];
  try {
    for (let r = 1; r <= ROUNDS; r++) {
      const run = async (what: string, on: boolean, script: string) => {
        ctx.log(`reverse write: round ${r}/${ROUNDS}, ${what}`);
        await reverseTrigger(url, on);
        await ctx.server.checkpoint();
        return pgbench(url, { ...w, script: workload(script) });
      };
      const base = await run('target writes without the reverse sync', false, 'reverse-writes');
      const reverse = await run('target writes with the reverse sync', true, 'reverse-writes');
      const floor = await run('floor (the application writes the legacy rows itself, by hand)', false, 'reverse-writes-floor');
      rounds.push({ base, reverse, floor });
    }
  } finally {
    await reverseTrigger(url, true);
    await onConnection(url, (sql) => sql`drop schema bench_reverse cascade`);
  }
  const tps = (runs: PgbenchRun[]) => runs.map((x) => x.tps.toFixed(0)).join(' / ');
  const ratios = (pick: (x: (typeof rounds)[number]) => PgbenchRun) => rounds.map((x) => ratio(pick(x).tps, x.base.tps));
  const failed = rounds.reduce((n, x) => n + x.base.failed + x.reverse.failed, 0);
  return {
    reverse_write_tps_ratio: {
      value: median(ratios((x) => x.reverse)),
      detail: `pgbench, 4 clients, 1 update + 1 insert of cortex_projects.tasks per transaction, ${ROUNDS} interleaved rounds of ${w.seconds} s on the database with phases 1–4 (the reverse trigger switched off for the runs without it); median of the rounds' ratios ${ratios((x) => x.reverse).join(' / ')}. Tps without the reverse sync ${tps(rounds.map((x) => x.base))}, with it ${tps(rounds.map((x) => x.reverse))}; failed ${failed}. Floor, the same writes plus hand-written legacy writes in server-side functions: ${tps(rounds.map((x) => x.floor))} tps, median ratio ${median(ratios((x) => x.floor))} (${ratios((x) => x.floor).join(' / ')})`,
    },
  };
}
