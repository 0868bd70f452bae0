import { runCortex } from '../lib/cli.js';
import { type BenchContext, type Metric, median, ratio } from '../lib/context.js';
import { migra } from '../lib/migra.js';

const REPEATS = 3;

/**
 * Two databases that both hold the full Cortex target schema: `cortex diff --from A --to B` as a
 * user runs it (process wall time, Node start-up included) against `@pgkit/migra` in-process
 * (start-up excluded), median of 3 each.
 */
export async function diffVsMigra(ctx: BenchContext, a: string, b: string): Promise<Record<string, Metric>> {
  ctx.log('diff: cortex diff and @pgkit/migra');
  const ours: number[] = [];
  const theirs: number[] = [];
  let changes = 0;
  let statements = 0;
  for (let i = 0; i < REPEATS; i++) {
    const r = await runCortex(b, ['--json', 'diff', '--from', a]);
    if (r.code !== 0 && r.code !== 1) throw new Error(`cortex diff exited ${r.code}: ${r.stderr.trim()}`);
    changes = (JSON.parse(r.stdout) as { data: { changes: unknown[] } }).data.changes.length;
    ours.push(r.ms);
    const m = await migra(a, b);
    statements = m.statements.length;
    theirs.push(m.ms);
  }
  return {
    diff_vs_migra_time: {
      value: ratio(median(ours), median(theirs)),
      detail: `whole databases with the full Cortex target schema (phases 1–5 vs 1–4 applied): cortex diff ${median(ours).toFixed(0)} ms (process wall time, ${changes} changes) vs @pgkit/migra ${median(theirs).toFixed(0)} ms (in-process, ${statements} statements), median of ${REPEATS}`,
    },
  };
}
