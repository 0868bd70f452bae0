import type { Command } from 'commander';
import { openDatabase } from '../db/client.js';
import { CortexError } from '../errors.js';
import { type FixtureResult, loadLegacyFixture } from '../fixtures/legacy.js';
import { stopSignal } from '../runner/interrupt.js';
import { cancelOnSignal } from './session.js';
import { action } from './shell.js';

interface LoadOpts {
  scale: string;
  seed: string;
  dirty: boolean;
  replace: boolean;
}

function parseNumber(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new CortexError('USAGE', `${name} must be a number, got "${value}"`);
  return n;
}

function render(r: FixtureResult): string {
  const width = Math.max(...r.tables.map((t) => `${t.schema}.${t.table}`.length));
  const lines = r.tables.map((t) => `  ${`${t.schema}.${t.table}`.padEnd(width)}  ${String(t.rows).padStart(9)}`);
  return [
    `legacy fixture loaded (scale ${r.scale}, seed ${r.seed}${r.dirty ? ', dirty' : ''}) in ${(r.durationMs / 1000).toFixed(1)}s`,
    ...lines,
    `  ${'total'.padEnd(width)}  ${String(r.totalRows).padStart(9)}`,
  ].join('\n');
}

/** `cortex fixtures load`: create the legacy schemas with generated data. */
export function registerFixtures(program: Command): void {
  const fixtures = program.command('fixtures').description('legacy test data');
  fixtures
    .command('load')
    .description('create the six legacy schemas with deterministic generated data (one transaction)')
    .option('--scale <n>', 'size: 1 is about 250,000 rows, 40 about 10 million (fractions allowed)', '1')
    .option('--seed <s>', 'random seed: the same seed gives identical rows', '1')
    .option('--dirty', 'add the awkward rows real databases have (duplicates, orphans, bad formats)', false)
    .option('--replace', 'drop existing legacy schemas first (destroys their data)', false)
    .action(
      action<LoadOpts>('fixtures load', async (ctx, opts) => {
        const scale = parseNumber('--scale', opts.scale);
        const seed = parseNumber('--seed', opts.seed);
        const target = ctx.target();
        const sql = await openDatabase(target, { max: 1 });
        const release = cancelOnSignal(ctx, { stop() {} }, target, '(one transaction: nothing is kept)');
        try {
          const result = await loadLegacyFixture(sql, {
            scale,
            seed,
            dirty: opts.dirty,
            replace: opts.replace,
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
