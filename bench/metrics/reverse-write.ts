// The way back's cost to an application that writes the target: single-row target writes with the
// reverse sync, without it, and with the legacy rows written by hand (the floor), in interleaved
// rounds on the database the dual-write metrics left with phases 1–4 applied.
import { type BenchContext, type Metric, median, ratio } from '../lib/context.js';
import type { PgbenchRun } from '../lib/pgbench.js';
import { interleavedRounds, onConnection, type Round } from '../lib/rounds.js';
import { workload } from './dual-write.js';

const ROUNDS = 3;

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
  const w = { script: '', clients: 4, seconds: Math.max(5, Math.round(ctx.sizes.seconds / ROUNDS)), vars: { tasks } };
  let rounds: Round[];
  try {
    rounds = await interleavedRounds(ctx, url, w, ROUNDS, {
      label: 'reverse write',
      triggers: reverseTrigger,
      base: { what: 'target writes without the reverse sync', script: 'reverse-writes' },
      on: { what: 'target writes with the reverse sync', script: 'reverse-writes' },
      floor: { what: 'floor (the application writes the legacy rows itself, by hand)', script: 'reverse-writes-floor' },
    }, workload);
  } finally {
    await onConnection(url, (sql) => sql`drop schema bench_reverse cascade`);
  }
  const tps = (runs: PgbenchRun[]) => runs.map((x) => x.tps.toFixed(0)).join(' / ');
  const ratios = (pick: (x: (typeof rounds)[number]) => PgbenchRun) => rounds.map((x) => ratio(pick(x).tps, x.base.tps));
  const failed = rounds.reduce((n, x) => n + x.base.failed + x.on.failed, 0);
  return {
    reverse_write_tps_ratio: {
      value: median(ratios((x) => x.on)),
      detail: `pgbench, 4 clients, 1 update + 1 insert of cortex_projects.tasks per transaction, ${ROUNDS} interleaved rounds of ${w.seconds} s on the database with phases 1–4 (the reverse trigger switched off for the runs without it); median of the rounds' ratios ${ratios((x) => x.on).join(' / ')}. Tps without the reverse sync ${tps(rounds.map((x) => x.base))}, with it ${tps(rounds.map((x) => x.on))}; failed ${failed}. Floor, the same writes plus hand-written legacy writes in server-side functions: ${tps(rounds.map((x) => x.floor))} tps, median ratio ${median(ratios((x) => x.floor))} (${ratios((x) => x.floor).join(' / ')})`,
    },
  };
}
