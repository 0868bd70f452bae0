import type { Command } from 'commander';
import { CortexError } from '../errors.js';
import { verifyPhase } from '../runner/runner.js';
import { reportCases, writeJunit } from '../verify/junit.js';
import { phaseResult } from './phase-result.js';
import { publishReport, type RunOptions, withRun } from './session.js';
import { action } from './shell.js';

/** `cortex validate`: the phase-5 parity checks on demand, in one snapshot that is rolled back. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('run the checks of the plan\'s validation phase now (the built-in plan: phase 5, counts, content, references, bijection, quarantine, whatsapp, triggers), in a transaction that is rolled back: nothing stays but the report (its quarantine check retries quarantined rows in a subtransaction that is undone)')
    .option('--lock-timeout <seconds>', 'wait this long for another run to finish (default: 10)')
    .option('--junit <file>', 'also write the checks as a JUnit file, one test case per check')
    .action(
      action<RunOptions & { junit?: string }>('validate', async (ctx, opts) => {
        return withRun(ctx, { ...opts, reports: true }, async (env, sql) => {
          const phase = env.plan.phases.find((p) => p.name === 'validation');
          if (!phase) throw new CortexError('USAGE', `plan ${env.plan.name} has no validation phase`);
          const run = await verifyPhase(env, phase.number);
          const files = await publishReport(ctx, sql, run.runId, run.report);
          if (opts.junit) await writeJunit(opts.junit, 'cortex validate', reportCases(run.report));
          return phaseResult([{ run, files }]);
        });
      }),
    );
}
