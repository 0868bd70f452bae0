import type { Command } from 'commander';
import { openDatabase } from '../db/client.js';
import { CortexError } from '../errors.js';
import { type FixtureResult, loadFixture } from '../fixtures/load.js';
import { stopSignal } from '../runner/interrupt.js';
import { cancelOnSignal, configOf, planOf } from './session.js';
import { action } from './shell.js';

interface LoadOpts {
  scale: string;
  seed: string;
  dirty: boolean;
  replace: boolean;
  input?: string;
}

function parseNumber(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new CortexError('USAGE', `${name} must be a number, got "${value}"`);
  return n;
}

function render(r: FixtureResult): string {
  const width = Math.max(5, ...r.tables.map((t) => `${t.schema}.${t.table}`.length));
  const lines = r.tables.map((t) => `  ${`${t.schema}.${t.table}`.padEnd(width)}  ${String(t.rows).padStart(9)}`);
  return [
    `${r.plan} fixture loaded (scale ${r.scale}, seed ${r.seed}${r.dirty ? ', dirty' : ''}) in ${(r.durationMs / 1000).toFixed(1)}s`,
    ...lines,
    `  ${'total'.padEnd(width)}  ${String(r.totalRows).padStart(9)}`,
  ].join('\n');
}

/** `cortex fixtures load`: fill a database with the plan's fixture (the built-in plan: the six legacy schemas). */
export function registerFixtures(program: Command): void {
  const fixtures = program.command('fixtures').description("the plan's test data");
  fixtures
    .command('load')
    .description("load the plan's fixture (plan.json; the built-in plan: the six legacy schemas with deterministic generated data) in one transaction")
    .option('--scale <n>', 'size: for the built-in plan 1 is about 250,000 rows, 40 about 10 million (fractions allowed)', '1')
    .option('--seed <s>', 'random seed: the same seed gives identical rows', '1')
    .option('--dirty', 'add the awkward rows real databases have (duplicates, orphans, bad formats)', false)
    .option('--input <file>', "a file for the plan's fixture module to load (plans whose fixture reads one)")
    .option('--replace', "drop the plan's data schemas first, and public's tables (destroys their data)", false)
    .action(
      action<LoadOpts>('fixtures load', async (ctx, opts) => {
        const scale = parseNumber('--scale', opts.scale);
        const seed = parseNumber('--seed', opts.seed);
        const plan = await planOf(ctx, configOf(ctx));
        if (!plan.manifest.fixture) throw new CortexError('USAGE', `plan ${plan.name} has no fixture (plan.json): it starts from an empty database`);
        const target = ctx.target();
        const sql = await openDatabase(target, { max: 1 });
        const release = cancelOnSignal(ctx, { stop() {} }, target, '(one transaction: nothing is kept)');
        try {
          const result = await loadFixture(sql, plan, {
            scale,
            seed,
            dirty: opts.dirty,
            replace: opts.replace,
            ...(opts.input !== undefined ? { input: opts.input } : {}),
            onStage: (m) => ctx.out.info(m),
          });
          return { data: result, text: render(result) };
        } catch (err) {
          const signal = stopSignal();
          if (signal) throw new CortexError('INTERRUPTED', `interrupted by ${signal}: the fixture was not loaded (its transaction rolled back)`);
          throw err;
        } finally {
          release();
          await sql.end({ timeout: 5 });
        }
      }),
    );
}
