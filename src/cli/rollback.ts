import type { Command } from 'commander';
import { CortexError } from '../errors.js';
import { prepareRollback } from '../runner/preflight.js';
import { rollbackPhase } from '../runner/runner.js';
import { type BatchFlags, batchExtra, checkBatchSettings, withBatchOptions } from './batch-options.js';
import { confirm, rollbackRequest } from './confirm.js';
import { phaseResult } from './phase-result.js';
import { publishReport, type RunOptions, withRun } from './session.js';
import { action } from './shell.js';

/** `cortex rollback phase <N>`. */
export function registerRollback(program: Command): void {
  const command = program
    .command('rollback')
    .description('revert phase N (refused unless it is the last applied phase); asks for confirmation unless --yes')
    .argument('<target>', '"phase"')
    .argument('<n>', 'phase number')
    .option('--lock-timeout <seconds>', 'wait this long for another run to finish (default: 10)')
    .option('--statement-timeout <ms>', 'statement_timeout for steps (default: 0, no limit)')
    .option('--force', 'revert even when a precondition of the phase\'s down would refuse', false);
  withBatchOptions(command)
    .action(
      action<RunOptions & BatchFlags & { force: boolean }>('rollback', async (ctx, opts, args) => {
        const [target, n] = args;
        const num = Number(n);
        if (target !== 'phase' || !Number.isInteger(num) || num < 1) {
          throw new CortexError('USAGE', 'usage: cortex rollback phase <N>');
        }
        const extra = { ...batchExtra(opts), force: opts.force };
        return withRun(ctx, { ...opts, extra, reports: true }, async (env, sql) => {
          await checkBatchSettings(sql, env.settings);
          // Refusals first, then the question, with the run lock held: what was confirmed is what runs.
          const pre = await prepareRollback(env, num);
          await confirm(ctx, rollbackRequest(ctx, pre.phase, pre.steps));
          const run = await rollbackPhase(env, num);
          const files = await publishReport(ctx, sql, run.runId, run.report);
          return phaseResult([{ run, files }]);
        });
      }),
    );
}
