import { cortex } from '../lib/cli.js';
import { type BenchContext, type Metric, ratio, secs } from '../lib/context.js';
import { percentile, pgbench, type PgbenchRun } from '../lib/pgbench.js';
import { workload, workloadVars } from './dual-write.js';

const CLIENTS = 4;
const RATE = 100;
/** pgbench runs pooled for the p99 before the migration. */
const BEFORE_RUNS = 3;

// p99 of a set of latencies (ms).
function p99(latencies: number[]): number {
  return percentile([...latencies].sort((a, b) => a - b), 99);
}

/** The backfill's own summary line of `migrate phase 3`: rows, seconds, and the time it was throttled. */
export function backfillSummary(output: string): { rows: number; seconds: number; throttled: string } | null {
  const m = /backfill: (\d+) rows in ([\d.]+) s \(\d+ rows\/s\)(?:; (throttled .*))?$/m.exec(output);
  return m ? { rows: Number(m[1]), seconds: Number(m[2]), throttled: m[3] ?? 'not throttled' } : null;
}

/**
 * A steady OLTP mix (reads, an update, an insert, by primary key; 4 clients at a fixed 100 tps,
 * connections held for each pgbench run as a pool would) on a copy of the fixture with phases 1–2
 * applied: p99 latency of three runs before (pooled), then of the transactions that ended while `cortex
 * migrate phase 3` and `phase 4` ran (default settings: the governor on), split by the phase they
 * ran beside; with the backfill's rate under the governor beside `unthrottled` (rows/s of the same
 * fixture's backfill with --no-governor and no workload, when the run measured it), and the floor:
 * one more run after phase 4, the workload through the dual-write triggers with nothing running.
 */
export async function oltpDuringMigration(ctx: BenchContext, template: string, unthrottled?: number): Promise<Record<string, Metric>> {
  const url = await ctx.server.create('bench_oltp', template);
  for (const n of [1, 2]) await cortex(url, ['migrate', 'phase', String(n)]);
  const w = { script: workload('oltp'), clients: CLIENTS, rate: RATE, seconds: ctx.sizes.seconds, vars: await workloadVars(url) };
  await ctx.server.checkpoint();
  // The baseline is three runs pooled: one run's p99 is its 1% slowest (60 transactions at the
  // full size), which one stall on the machine decides, and the ratio divides by it.
  const befores: PgbenchRun[] = [];
  for (let i = 1; i <= BEFORE_RUNS; i++) {
    ctx.log(`oltp: baseline ${i}/${BEFORE_RUNS}`);
    befores.push(await pgbench(url, w));
  }
  const before = { latenciesMs: befores.flatMap((r) => r.latenciesMs), transactions: befores.reduce((n, r) => n + r.transactions, 0) };
  const eachBefore = befores.map((r) => p99(r.latenciesMs).toFixed(1)).join(' / ');
  await ctx.server.checkpoint();
  ctx.log('oltp: during phases 3 and 4');
  let done = false;
  const from = Date.now();
  let phase4From = Infinity;
  let until = Infinity;
  let phase3 = '';
  const migration = (async () => {
    try {
      const r3 = await cortex(url, ['migrate', 'phase', '3']);
      phase3 = r3.stderr + r3.stdout;
      phase4From = Date.now();
      await cortex(url, ['migrate', 'phase', '4']);
    } finally {
      until = Date.now();
      done = true;
    }
  })();
  // Whole runs (a run that outlasts the migration is finished, and its later transactions left out).
  const runs: PgbenchRun[] = [];
  while (!done) runs.push(await pgbench(url, w));
  await migration;
  // The floor phase 4 leaves: the same workload through the dual-write triggers, nothing else running.
  ctx.log('oltp: after phase 4 (dual-write, nothing running)');
  const after = await pgbench(url, w);
  await ctx.server.drop('bench_oltp');
  const during = runs.flatMap((r) => r.timed).filter(([at]) => at >= from && at <= until);
  const beside = (inPhase4: boolean) => {
    const l = during.filter(([at]) => (at >= phase4From) === inPhase4).map(([, ms]) => ms);
    return l.length === 0 ? 'no transactions' : `${p99(l).toFixed(1)} ms (${l.length})`;
  };
  const latencies = during.map(([, ms]) => ms);
  const b = backfillSummary(phase3);
  const governed = b ? Math.round(b.rows / Math.max(b.seconds, 0.001)) : 0;
  const rates = b
    ? `; backfill under the governor ${governed} rows/s (${b.rows} rows in ${b.seconds.toFixed(1)} s, ${b.throttled})${unthrottled ? ` vs ${Math.round(unthrottled)} rows/s unthrottled (--no-governor, no workload, same fixture)` : ''}`
    : '';
  ctx.log(`oltp: p99 ${p99(before.latenciesMs).toFixed(1)} ms before, ${p99(latencies).toFixed(1)} ms during${rates}`);
  const failed = [...befores, ...runs, after].reduce((n, r) => n + r.failed, 0);
  const floor = `; the floor, p99 through phase 4's dual-write triggers with nothing running (measured after): ${p99(after.latenciesMs).toFixed(1)} ms, ${ratio(p99(after.latenciesMs), p99(before.latenciesMs))}x`;
  return {
    oltp_p99_during_migration_ratio: {
      value: ratio(p99(latencies), p99(before.latenciesMs)),
      detail: `${CLIENTS} clients at ${RATE} tps (2 reads, 1 update, 1 insert per transaction, all by primary key), p99 of all transactions: ${p99(before.latenciesMs).toFixed(1)} ms before (${before.transactions} transactions in ${BEFORE_RUNS} runs pooled, each run's p99 ${eachBefore} ms), ${p99(latencies).toFixed(1)} ms during phases 3–4 (${latencies.length} transactions over ${secs(until - from)}; p99 ${beside(false)} beside phase 3, ${beside(true)} beside phase 4)${rates}${floor}`,
    },
    oltp_failed_transactions: {
      value: failed,
      detail: `failed or aborted pgbench transactions before, during and after phases 3–4 (${[...befores, ...runs, after].reduce((n, r) => n + r.transactions, 0)} in all)`,
    },
  };
}
