import { resolve } from 'node:path';
import ora from 'ora';
import { type Config, loadConfig } from '../config/config.js';
import type { ConnectionTarget } from '../config/connection.js';
import { cancelOwnStatements, openDatabase, type Sql } from '../db/client.js';
import { acquireRunLock } from '../db/lock.js';
import { serverGone } from '../db/session.js';
import { formatProgress } from '../backfill/progress.js';
import { CortexError } from '../errors.js';
import { loadCortexPlan, loadPlan } from '../plan/loader.js';
import type { Plan, RunSettings } from '../plan/model.js';
import { stepOptions } from '../plan/step-options.js';
import { catchStopSignals } from '../runner/interrupt.js';
import { ensureLedger } from '../runner/ledger.js';
import { claimPlan } from '../runner/plan-owner.js';
import type { RunEnv, RunnerEvents } from '../runner/runner.js';
import type { Report } from '../verify/report.js';
import { prepareReportsDir, type ReportFiles, storeReport, toTerminal, writeReportFiles } from '../verify/writers.js';
import { type CommandContext, describeUnexpected } from './shell.js';

/** Options shared by commands that run steps. */
export interface RunOptions {
  lockTimeout?: string;
  statementTimeout?: string;
}

/** Options of `withRun`: the command's own, the step options it adds, and whether it writes reports. */
export interface WithRunOptions extends RunOptions {
  extra?: Record<string, unknown>;
  /** The command publishes reports: their directory is checked before anything else happens. */
  reports?: boolean;
}

/** Load config (`--config` or ./cortex.config.json) once per invocation. */
export function configOf(ctx: CommandContext): Config {
  return loadConfig(ctx.globals.config);
}

/** The plan to run: `--plan <dir>`, the config's `plan`, else the built-in Cortex plan. */
export async function planOf(ctx: CommandContext, config: Config): Promise<Plan> {
  const dir = ctx.globals.plan ?? config.plan;
  return dir ? loadPlan(resolve(dir), 'custom') : loadCortexPlan();
}

/** The settings steps and workers run with: the config file, then the command's options. */
export function settingsOf(config: Config, extra: Record<string, unknown>, statementTimeout?: string): RunSettings {
  const stmt = statementTimeout !== undefined ? Number(statementTimeout) : (config.statementTimeoutMs ?? 0);
  if (!Number.isInteger(stmt) || stmt < 0) throw new CortexError('USAGE', `--statement-timeout must be milliseconds, got "${statementTimeout}"`);
  return {
    lockTimeoutMs: config.ddlLockTimeoutMs ?? 2000,
    statementTimeoutMs: stmt,
    lockRetries: config.lockRetries ?? 5,
    options: stepOptions({ ...config.backfill, ...extra }),
  };
}

/** Spinner on a TTY, plain progress lines otherwise; silent for the envelope under --json except stderr lines. */
export function progressEvents(ctx: CommandContext): RunnerEvents & { stop(): void } {
  // A terminal that reports no width (a pty nobody sized, e.g. under `script`) would make the
  // spinner's line count infinite: it then redraws forever and the run never moves on.
  const useSpinner = ctx.out.isTty && !ctx.globals.json && (process.stderr.columns ?? 0) > 0;
  const spinner = useSpinner ? ora({ stream: process.stderr }) : undefined;
  let lastLine = 0;
  return {
    stepStart: (step, dir) => {
      const text = `${dir === 'up' ? 'applying' : 'reverting'} ${step.id}`;
      if (spinner) spinner.start(text);
      else ctx.out.info(text);
    },
    stepDone: (step, dir, ms) => {
      const text = `${dir === 'up' ? 'applied' : 'reverted'} ${step.id} (${ms} ms)`;
      if (spinner) spinner.succeed(text);
      else ctx.out.info(text);
    },
    retry: (step, attempt, delay) => ctx.out.warn(`${step.id}: lock not available, retry ${attempt} in ${delay} ms`),
    log: (m) => {
      if (spinner?.isSpinning) spinner.text = m;
      else ctx.out.info(m);
    },
    progress: (p) => {
      if (spinner) {
        spinner.text = formatProgress(p, 24);
        return;
      }
      // Without a terminal: one plain line every few seconds, and one when a table completes.
      const now = Date.now();
      if (now - lastLine >= 5000 || p.done >= p.total) {
        lastLine = now;
        ctx.out.info(formatProgress(p));
      }
    },
    stop: () => spinner?.stop(),
  };
}

/**
 * Until the returned function is called, the first Ctrl-C or SIGTERM stops the progress display,
 * says so (with `next`: what happens then) and cancels this process's running statements.
 */
export function cancelOnSignal(ctx: CommandContext, events: { stop(): void }, target: ConnectionTarget, next: string): () => void {
  return catchStopSignals((signal) => {
    events.stop();
    ctx.out.warn(`${signal}: stopping — cancelling the running statement ${next}`);
    cancelOwnStatements(target).catch((err: unknown) => ctx.out.warn(`could not cancel: ${describeUnexpected(err)}`));
  });
}

/** Where reports go: `--reports-dir` when given, else the config's `reportsDir`, else ./reports. */
export function reportsDirOf(ctx: CommandContext, config: Config): string {
  return ctx.globals.reportsDirSet ? ctx.globals.reportsDir : (config.reportsDir ?? ctx.globals.reportsDir);
}

/**
 * Check the reports directory (with `reports`), open the database, take the run lock, make sure
 * the ledger exists and belongs to the plan (exit 6 otherwise), run `fn`, and always release the
 * lock and close the connections.
 */
export async function withRun<T>(ctx: CommandContext, opts: WithRunOptions, fn: (env: RunEnv, sql: Sql) => Promise<T>): Promise<T> {
  const config = configOf(ctx);
  const plan = await planOf(ctx, config);
  // A run must not change the database and then fail to write its report.
  if (opts.reports) await prepareReportsDir(reportsDirOf(ctx, config));
  const target = ctx.target();
  const lockSeconds = opts.lockTimeout !== undefined ? Number(opts.lockTimeout) : (config.lockTimeoutSeconds ?? 10);
  if (!Number.isFinite(lockSeconds) || lockSeconds < 0) throw new CortexError('USAGE', `--lock-timeout must be seconds, got "${opts.lockTimeout}"`);
  const settings = settingsOf(config, opts.extra ?? {}, opts.statementTimeout);
  const sql = await openDatabase(target, { max: 4 });
  const events = progressEvents(ctx);
  try {
    const lock = await acquireRunLock(sql, lockSeconds);
    const release = cancelOnSignal(ctx, events, target, '(send it again to quit at once)');
    try {
      await ensureLedger(sql);
      // Before anything reads the ledger: another plan's steps would only show as drift.
      await claimPlan(sql, plan);
      return await fn({ sql, plan, target, settings, events }, sql);
    } finally {
      release();
      events.stop();
      await lock.release().catch(() => {});
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Write a report's files, store it in the ledger (unless the server is gone), and return the paths. */
export async function publishReport(ctx: CommandContext, sql: Sql, runId: string, report: Report): Promise<ReportFiles> {
  const files = await writeReportFiles(report, reportsDirOf(ctx, configOf(ctx)));
  try {
    await storeReport(sql, runId, report);
  } catch (err) {
    // The files are written; a server that went away mid-run (a restart) can be told later.
    if (!serverGone(err)) throw err;
    ctx.out.warn(`the report could not be stored in the database (connection lost: ${describeUnexpected(err)}); it is in ${files.markdown}`);
  }
  if (!ctx.globals.json) ctx.out.info(toTerminal(report, ctx.out.color));
  return files;
}
