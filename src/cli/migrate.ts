import type { Command } from 'commander';
import { CortexError, isCortexError } from '../errors.js';
import { assertCoverage, loadCoverage } from '../plan/coverage.js';
import { readLedger } from '../runner/ledger.js';
import { prepareMigrate } from '../runner/preflight.js';
import { confirmationNeeded, migratePhase, type PhaseRun } from '../runner/runner.js';
import { planStatus } from '../runner/state.js';
import type { ReportFiles } from '../verify/writers.js';
import { applyRequest, confirm } from './confirm.js';
import type { CommandResult } from './output.js';
import { phaseResult } from './phase-result.js';
import { type BatchFlags, batchExtra, checkBatchSettings, withBatchOptions, withWorkersOption } from './batch-options.js';
import { publishReport, type RunOptions, withRun } from './session.js';
import { action, type CommandContext, positiveInt } from './shell.js';

/** Refuse a phase that declares no steps yet: it is not implemented, and must not count as applied. */
export function assertImplemented(phase: { number: number; name: string; steps: unknown[] }): void {
  if (phase.steps.length === 0) {
    throw new CortexError('NOT_IMPLEMENTED', `phase ${phase.number} (${phase.name}) is not implemented yet: it has no steps`);
  }
}

type Runs = Array<{ run: PhaseRun; files: ReportFiles }>;

// A phase left unapplied because it was not confirmed, or refused after earlier phases of the
// same run were applied: those keep their reports in the result, and the exit code is the
// confirmation's (2 without a terminal, 6 when declined) or the refusal's (6), so a script never
// takes the run for a complete one.
function stoppedBefore(ctx: CommandContext, runs: Runs, err: { code: string; exitCode: number; message: string }): CommandResult {
  const base: CommandResult = runs.length > 0 ? phaseResult(runs) : { data: { report: null, reports: [] } };
  const applied = runs.map((r) => r.run.report.phase.number);
  const message = `${applied.length > 0 ? `applied phase${applied.length > 1 ? 's' : ''} ${applied.join(', ')}; ` : ''}${err.message}`;
  if (!ctx.globals.json) ctx.out.error(message);
  return { ...base, exitCode: err.exitCode, error: { code: err.code, message } };
}

/** `cortex migrate phase <N>` and `cortex migrate all`. */
export function registerMigrate(program: Command): void {
  const command = program
    .command('migrate')
    .description('apply phase N (refused unless 1..N-1 are applied) and verify it; or every pending phase with "all"; a phase that must be confirmed (phase.json confirm, e.g. the built-in plan\'s archive) asks first, or needs --yes')
    .argument('<target>', '"phase" or "all"')
    .argument('[n]', 'phase number (with "phase")')
    .option('--lock-timeout <seconds>', 'wait this long for another run to finish (default: 10)')
    .option('--statement-timeout <ms>', 'statement_timeout for steps (default: 0, no limit)');
  withWorkersOption(withBatchOptions(command))
    .option('--skip-backup', 'archive: take no pg_dump backup, even when one could be taken (recorded in the report)')
    .option('--retain-days <n>', 'archive: keep *_deprecated schemas this many days before purge is allowed (default: 30)')
    .option('--backup-dir <dir>', 'archive: where the pg_dump file goes (default: ./backups)')
    .action(
      action<RunOptions & BatchFlags & { skipBackup?: boolean; retainDays?: string; backupDir?: string }>('migrate', async (ctx, opts, args) => {
        const [target, n] = args;
        const all = target === 'all' && n === undefined;
        const num = Number(n);
        if (!all && !(target === 'phase' && Number.isInteger(num) && num > 0)) {
          throw new CortexError('USAGE', 'usage: cortex migrate phase <N> | cortex migrate all');
        }
        const extra = batchExtra(opts);
        if (opts.skipBackup) extra.skipBackup = true;
        if (opts.retainDays !== undefined) extra.retainDays = positiveInt('--retain-days', opts.retainDays, 30);
        if (opts.backupDir !== undefined) extra.backupDir = opts.backupDir;
        return withRun(ctx, { ...opts, extra, reports: true }, async (env, sql) => {
          await checkBatchSettings(sql, env.settings);
          const coverage = loadCoverage(env.plan.root);
          if (coverage) await assertCoverage(sql, coverage);
          const runs: Runs = [];
          const notes: string[] = [];
          let todo: number[];
          if (all) {
            const status = planStatus(env.plan, await readLedger(sql));
            todo = status.filter((p) => p.state !== 'applied').map((p) => p.number);
          } else {
            todo = [num];
          }
          try {
            for (const p of todo) {
              const phase = env.plan.phases.find((x) => x.number === p);
              if (phase) assertImplemented(phase);
              // Every refusal comes before the question, which is asked with the run lock held.
              const pre = await prepareMigrate(env, p);
              if (pre.pending.length === 0 && pre.uncheckable) {
                // Applied, and nothing could be checked without writing a failed report.
                notes.push(`phase ${p} (${pre.phase.name}) is already applied; its checks are not re-run: ${pre.uncheckable}`);
                continue;
              }
              if (confirmationNeeded(pre)) {
                try {
                  await confirm(ctx, applyRequest(ctx, pre.phase, pre.pending));
                } catch (err) {
                  if (!isCortexError(err)) throw err;
                  return stoppedBefore(ctx, runs, err);
                }
              }
              const run = await migratePhase(env, p, { preflight: pre, confirmed: true });
              const files = await publishReport(ctx, sql, run.runId, run.report);
              runs.push({ run, files });
              if (run.failedStep || run.report.status === 'failed') break;
            }
          } catch (err) {
            // A refusal (a step's check, or a step as it ran) after phases this run applied.
            if (isCortexError(err) && err.code === 'REFUSED' && runs.length > 0) return stoppedBefore(ctx, runs, err);
            throw err;
          }
          if (runs.length === 0) {
            return { data: { report: null, reports: [], notes }, text: notes.length > 0 ? notes.join('\n') : 'nothing to do: every phase is applied' };
          }
          return phaseResult(runs);
        });
      }),
    );
}
