import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { CortexError } from '../errors.js';
import { rollbackPhase } from '../runner/runner.js';
import { phaseResult } from './phase-result.js';
import { publishReport, type RunOptions, withRun } from './session.js';
import { action, type CommandContext } from './shell.js';

async function confirm(ctx: CommandContext, question: string): Promise<void> {
  if (ctx.globals.yes) return;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new CortexError('USAGE', 'rollback needs confirmation: pass --yes (there is no terminal to ask on)');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new CortexError('REFUSED', 'rollback cancelled');
  } finally {
    rl.close();
  }
}

/** `cortex rollback phase <N>`. */
export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description('revert phase N (refused unless it is the last applied phase); asks for confirmation unless --yes')
    .argument('<target>', '"phase"')
    .argument('<n>', 'phase number')
    .option('--lock-timeout <seconds>', 'wait this long for another run to finish (default 10)')
    .option('--statement-timeout <ms>', 'statement_timeout for steps (default 0 = none)')
    .option('--force', 'revert even when a precondition of the phase\'s down would refuse', false)
    .action(
      action<RunOptions & { force: boolean }>('rollback', async (ctx, opts, args) => {
        const [target, n] = args;
        const num = Number(n);
        if (target !== 'phase' || !Number.isInteger(num) || num < 1) {
          throw new CortexError('USAGE', 'usage: cortex rollback phase <N>');
        }
        await confirm(ctx, `Roll back phase ${num} on ${ctx.target().display}?`);
        return withRun(ctx, { ...opts, extra: { force: opts.force }, reports: true }, async (env, sql) => {
          const run = await rollbackPhase(env, num);
          const files = await publishReport(ctx, sql, run.runId, run.report);
          return phaseResult([{ run, files }]);
        });
      }),
    );
}
