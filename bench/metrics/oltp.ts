import { cortex } from '../lib/cli.js';
import { type BenchContext, type Metric, ratio, secs } from '../lib/context.js';
import { percentile, pgbench, type PgbenchRun } from '../lib/pgbench.js';
import { workload, workloadVars } from './dual-write.js';

const CLIENTS = 4;
const RATE = 100;
const CHUNK_SECONDS = 5;

// p99 of every transaction of the runs pooled together.
function p99(runs: PgbenchRun[]): number {
  return percentile(runs.flatMap((r) => r.latenciesMs).sort((a, b) => a - b), 99);
}

/**
 * A steady OLTP mix (reads, an update, an insert, by primary key; 4 clients at a fixed 100 tps) on a copy of the
 * fixture with phases 1–2 applied: p99 latency before, then while `cortex migrate phase 3` and
 * `phase 4` run, in 5-second pgbench chunks until both are done.
 */
export async function oltpDuringMigration(ctx: BenchContext, template: string): Promise<Record<string, Metric>> {
  const url = await ctx.server.create('bench_oltp', template);
  for (const n of [1, 2]) await cortex(url, ['migrate', 'phase', String(n)]);
  const w = { script: workload('oltp'), clients: CLIENTS, rate: RATE, vars: await workloadVars(url) };
  await ctx.server.checkpoint();
  ctx.log('oltp: baseline');
  const before: PgbenchRun[] = [];
  for (let s = 0; s < ctx.sizes.seconds; s += CHUNK_SECONDS) before.push(await pgbench(url, { ...w, seconds: CHUNK_SECONDS }));
  await ctx.server.checkpoint();
  ctx.log('oltp: during phases 3 and 4');
  let done = false;
  let phase4From = Infinity;
  const t0 = performance.now();
  const migration = (async () => {
    try {
      await cortex(url, ['migrate', 'phase', '3']);
      phase4From = Date.now();
      await cortex(url, ['migrate', 'phase', '4']);
    } finally {
      done = true;
    }
  })();
  const during: PgbenchRun[] = [];
  while (!done) during.push(await pgbench(url, { ...w, seconds: CHUNK_SECONDS }));
  await migration;
  // Split by the time each transaction ended: which phase it ran beside.
  const ended = during.flatMap((r) => r.timed);
  const phaseP99 = (inPhase4: boolean) => {
    const l = ended.filter(([at]) => (at >= phase4From) === inPhase4).map(([, ms]) => ms).sort((a, b) => a - b);
    return l.length === 0 ? 'no transactions' : `${percentile(l, 99).toFixed(1)} ms (${l.length})`;
  };
  const migrationMs = performance.now() - t0;
  await ctx.server.drop('bench_oltp');
  const failed = [...before, ...during].reduce((n, r) => n + r.failed, 0);
  const count = (runs: PgbenchRun[]) => runs.reduce((n, r) => n + r.transactions, 0);
  return {
    oltp_p99_during_migration_ratio: {
      value: ratio(p99(during), p99(before)),
      detail: `${CLIENTS} clients at ${RATE} tps (2 reads, 1 update, 1 insert per transaction, all by primary key), p99 of all transactions: ${p99(before).toFixed(1)} ms before (${count(before)} transactions), ${p99(during).toFixed(1)} ms during phases 3–4 (${count(during)} transactions over ${secs(migrationMs)}; p99 ${phaseP99(false)} beside phase 3, ${phaseP99(true)} beside phase 4)`,
    },
    oltp_failed_transactions: {
      value: failed,
      detail: `failed or aborted pgbench transactions before and during phases 3–4 (${count(before) + count(during)} in all)`,
    },
  };
}
