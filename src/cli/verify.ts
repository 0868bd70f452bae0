import type { Command } from 'commander';
import { CortexError } from '../errors.js';
import { readLedger } from '../runner/ledger.js';
import { type PhaseRun, verifyPhase } from '../runner/runner.js';
import { planStatus, uncheckableReason } from '../runner/state.js';
import type { ReportFiles } from '../verify/writers.js';
import { reportCases, writeJunit } from '../verify/junit.js';
import { phaseResult } from './phase-result.js';
import { publishReport, type RunOptions, withRun } from './session.js';
import { action } from './shell.js';

/** `cortex verify [phase <N>]`: re-run the checks of applied phases, in transactions that are rolled back. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      're-run the checks of every applied phase, or of phase N, in transactions that are rolled back: nothing stays but the reports. ' +
        "Some checks write to prove a path works (the built-in plan's phase 4 inserts a crm.contacts row, phase 5 retries quarantined rows): " +
        'they take those writes\' locks while they run, and the sequence values they draw are used up (a crm.contacts id per run)',
    )
    .argument('[target]', '"phase"')
    .argument('[n]', 'phase number')
    .option('--lock-timeout <seconds>', 'wait this long for another run to finish (default: 10)')
    .option('--junit <file>', 'also write the checks as a JUnit file, one test case per check')
    .action(
      action<RunOptions & { junit?: string }>('verify', async (ctx, opts, args) => {
        const [target, n] = args;
        let only: number | undefined;
        if (target !== undefined) {
          only = Number(n);
          if (target !== 'phase' || !Number.isInteger(only) || only < 1) throw new CortexError('USAGE', 'usage: cortex verify [phase <N>]');
        }
        return withRun(ctx, { ...opts, reports: true }, async (env, sql) => {
          const status = planStatus(env.plan, await readLedger(sql));
          let phases = only !== undefined ? [only] : status.filter((p) => p.state === 'applied').map((p) => p.number);
          // Once the legacy schemas are archived (renamed), the checks of the phases that read them
          // cannot run; the target schema and the archive itself are still verified. Phase N asked
          // for by name is refused instead (verifyPhase).
          if (only === undefined) {
            const skipped = phases.filter((n) => uncheckableReason(env.plan, status, n));
            if (skipped.length > 0) ctx.out.warn(`phases ${skipped.join(', ')} are not re-verified: ${uncheckableReason(env.plan, status, skipped[0]!)}`);
            phases = phases.filter((n) => !skipped.includes(n));
          }
          const runs: Array<{ run: PhaseRun; files: ReportFiles }> = [];
          for (const p of phases) {
            const run = await verifyPhase(env, p);
            runs.push({ run, files: await publishReport(ctx, sql, run.runId, run.report) });
          }
          if (opts.junit) await writeJunit(opts.junit, 'cortex verify', runs.flatMap((r) => reportCases(r.run.report)));
          if (runs.length === 0) return { data: { report: null, reports: [] }, text: 'nothing to verify: no phase is applied' };
          return phaseResult(runs);
        });
      }),
    );
}
