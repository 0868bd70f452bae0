// backfill_workers_speedup: the rows per second of `cortex migrate phase 3` with --workers 2 over
// the same with one worker, on copies of one database at phases 1–2. Alternating rounds, the best
// rate of each (the machine is shared: a round another process slowed down says nothing of ours).
// With --no-governor: the workers' own speed. Under the governor the workers share one latency
// budget, so two go as fast as the budget lets one (what oltp.ts measures), not twice as fast.
import { cpus, loadavg } from 'node:os';
import { cortex } from '../lib/cli.js';
import { type BenchContext, type Metric, ratio } from '../lib/context.js';

const ROUNDS = 2;

async function phase3Rate(ctx: BenchContext, template: string, workers: number): Promise<{ rows: number; rate: number }> {
  const db = `bench_workers_${workers}`;
  const url = await ctx.server.create(db, template);
  try {
    await ctx.server.checkpoint();
    const run = await cortex(url, ['migrate', 'phase', '3', '--no-governor', '--workers', String(workers)]);
    const m = /backfill: (\d+) rows in ([\d.]+) s/.exec(run.stderr + run.stdout);
    if (!m) throw new Error(`no backfill summary in the output of migrate phase 3 --workers ${workers}`);
    const rows = Number(m[1]);
    const rate = rows / Number(m[2]);
    ctx.log(`--no-governor --workers ${workers}: ${rows} rows at ${Math.round(rate)} rows/s (load average ${loadavg()[0]!.toFixed(2)})`);
    return { rows, rate };
  } finally {
    await ctx.server.drop(db);
  }
}

/** Phase 3 with 2 workers against 1 on copies of `fixtureDb` (a freshly loaded fixture). */
export async function workersSpeedup(ctx: BenchContext, fixtureDb: string): Promise<Record<string, Metric>> {
  const template = 'bench_workers';
  const url = await ctx.server.create(template, fixtureDb);
  try {
    ctx.log('workers: phases 1 and 2');
    await cortex(url, ['migrate', 'phase', '1']);
    await cortex(url, ['migrate', 'phase', '2']);
    const best = new Map<number, { rows: number; rate: number }>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of [1, 2]) {
        const r = await phase3Rate(ctx, template, n);
        if (r.rate > (best.get(n)?.rate ?? 0)) best.set(n, r);
      }
    }
    const one = best.get(1)!;
    const two = best.get(2)!;
    return {
      backfill_workers_speedup: {
        value: ratio(two.rate, one.rate),
        detail: `scale ${ctx.sizes.small} (${one.rows} rows), best of ${ROUNDS} alternating rounds, --no-governor: ${Math.round(two.rate)} rows/s with --workers 2 vs ` +
          `${Math.round(one.rate)} rows/s with 1; ${cpus().length} cores (os.cpus().length) shared by the server and the workers, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end`,
      },
    };
  } finally {
    await ctx.server.drop(template);
  }
}
