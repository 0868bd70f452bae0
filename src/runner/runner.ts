import { randomUUID } from 'node:crypto';
import { MigrationError, Umzug } from 'umzug';
import type { ConnectionTarget } from '../config/connection.js';
import { scrub } from '../config/secrets.js';
import type { Sql } from '../db/client.js';
import { withLockRetry } from '../db/retry.js';
import { reserveSession, serverGone } from '../db/session.js';
import { inTransaction } from '../db/transaction.js';
import { CortexError, isCortexError } from '../errors.js';
import type { Progress } from '../backfill/progress.js';
import type { Check, Phase, Plan, RunSettings, Step, StepOutcome } from '../plan/model.js';
import { type Report, type StepReport, summarize } from '../verify/report.js';
import { toolName, version } from '../version.js';
import { clearStart, readLedger, recordDown, recordDownStart, recordFailure, recordStart, recordUp } from './ledger.js';
import { interruptedMessage, pausedBy, stopSignal } from './interrupt.js';
import { refusedByStep } from './refusal.js';
import { writeWhenServerAnswers } from './lost-connection.js';
import { type MigratePreflight, prepareMigrate, prepareRollback, requirePhase, stepContext } from './preflight.js';
import { assertNoDrift, planStatus, uncheckableReason } from './state.js';

/** Events a runner emits, for spinners and progress lines. */
export interface RunnerEvents {
  stepStart?(step: Step, direction: 'up' | 'down'): void;
  stepDone?(step: Step, direction: 'up' | 'down', ms: number): void;
  retry?(step: Step, attempt: number, delayMs: number): void;
  log?(message: string): void;
  progress?(p: Progress): void;
}

/** Everything a run needs: connection, plan, settings and listeners. */
export interface RunEnv {
  sql: Sql;
  plan: Plan;
  target: ConnectionTarget;
  settings: RunSettings;
  events?: RunnerEvents;
}

function errorMessage(err: unknown): string {
  const e = err instanceof MigrationError ? (err.cause ?? err) : err;
  const m = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
  const signal = stopSignal();
  // 57014: the statement the signal handler cancelled (or a statement_timeout, hence the signal
  // check); ABORT_ERR: a child process (pg_dump) it stopped.
  const code = (e as { code?: string })?.code;
  if (signal && (code === '57014' || code === 'ABORT_ERR')) return interruptedMessage(signal);
  if (serverGone(e)) return `interrupted: connection to the server lost (${m}); the server rolled back the step's open transaction; rerun the same command to resume`;
  return m;
}

async function serverVersion(sql: Sql): Promise<string> {
  const [r] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
  return r?.v ?? 'unknown';
}

// Marks the interruption of a step that never began: it stays pending in the ledger.
const NOT_STARTED = { notStarted: true };

// One attempt = one transaction holding the step and its ledger row; lock timeouts retry it whole.
// A non-transactional step retries statement by statement instead (see lockRetry below).
async function runStep(env: RunEnv, runId: string, step: Step, direction: 'up' | 'down'): Promise<StepOutcome | undefined> {
  const signal = stopSignal();
  if (signal) throw new CortexError('INTERRUPTED', `interrupted by ${signal} before it started`, NOT_STARTED);
  const started = Date.now();
  const { lockTimeoutMs, statementTimeoutMs } = env.settings;
  env.events?.stepStart?.(step, direction);
  let rows: number | undefined;
  let outcome: StepOutcome | undefined;
  if (step.transactional) {
    await withLockRetry(
      () =>
        inTransaction(env.sql, async (t) => {
          await t`select set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true),
                         set_config('statement_timeout', ${`${statementTimeoutMs}ms`}, true)`;
          const out = await step[direction](stepContext(env, t));
          outcome = out ?? undefined;
          rows = out?.rows;
          if (direction === 'up') await recordUp(t, runId, step, Date.now() - started, rows);
          else await recordDown(t, runId, step, Date.now() - started);
        }),
      { retries: env.settings.lockRetries, onRetry: (a, d) => env.events?.retry?.(step, a, d) },
    );
  } else {
    // Non-transactional steps (CREATE INDEX CONCURRENTLY, batched backfills) manage their own
    // commits, so both directions must be idempotent and safe on a half-done step; the ledger row
    // is marked failed before they start (either way) and follows their success.
    let unmark = () => clearStart(env.sql, step);
    if (direction === 'up') await recordStart(env.sql, step);
    else unmark = await recordDownStart(env.sql, step);
    const conn = await reserveSession(env.sql);
    try {
      await conn`select set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, false),
                        set_config('statement_timeout', ${`${statementTimeoutMs}ms`}, false)`;
      // Each statement of such a step commits on its own, so a lock timeout retries the statement
      // that hit it (the step's lockRetry), with the backoff of a transactional step's retry.
      const lockRetry = <T>(work: (attempt: number) => Promise<T>) =>
        withLockRetry(work, { retries: env.settings.lockRetries, onRetry: (a, d) => env.events?.retry?.(step, a, d) });
      const out = await step[direction]({ ...stepContext(env, conn), lockRetry });
      outcome = out ?? undefined;
      rows = out?.rows;
      await conn`reset lock_timeout`;
      await conn`reset statement_timeout`;
    } catch (err) {
      // A refusal comes before the step changes anything: it is as it was, not interrupted.
      if (isCortexError(err) && err.code === 'REFUSED') await unmark();
      throw err;
    } finally {
      conn.release();
    }
    await inTransaction(env.sql, async (t) => {
      if (direction === 'up') await recordUp(t, runId, step, Date.now() - started, rows);
      else await recordDown(t, runId, step, Date.now() - started);
    });
  }
  const ms = Date.now() - started;
  env.events?.stepDone?.(step, direction, ms);
  return outcome;
}

/**
 * Run each step's verify in its own transaction that is always rolled back, so a check may even
 * try a sample write (dual-write round trip) and still change nothing. One snapshot per step.
 * A verify that cannot even run (a missing table...) becomes a failed check, not a crash.
 */
export async function verifyEach(env: RunEnv, steps: Step[]): Promise<Map<string, Check[]>> {
  const out = new Map<string, Check[]>();
  for (const step of steps) {
    try {
      const checks = await inTransaction(env.sql, (tx) => step.verify(stepContext(env, tx)),
        { mode: 'isolation level repeatable read', rollback: true });
      out.set(step.id, checks);
    } catch (err) {
      // A lost connection says nothing about the phase: the run stops, and a rerun checks again.
      if (serverGone(err)) throw err;
      out.set(step.id, [{ id: 'verify-ran', status: 'failed', details: errorMessage(err) }]);
    }
  }
  return out;
}

// `server`: the server's version, read before the run (the server may be gone by its end).
function buildReport(
  env: RunEnv,
  server: string,
  phase: Phase,
  direction: Report['direction'],
  startedAt: Date,
  steps: StepReport[],
): Report {
  const finishedAt = new Date();
  const { status, summary } = summarize(steps);
  return {
    tool: toolName,
    version,
    plan: { name: env.plan.name },
    database: { host: env.target.host, name: env.target.database, serverVersion: server },
    phase: { number: phase.number, name: phase.name },
    direction,
    status,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    steps,
    summary,
  };
}

// The report's record of a batched step's throttling, when it was throttled at all.
function throttledOf(out: StepOutcome | undefined): Pick<StepReport, 'throttled'> {
  const t = out?.throttled;
  return t && t.ms > 0 ? { throttled: { ms: Math.round(t.ms), byReason: t.byReason } } : {};
}

function umzugFor(env: RunEnv, runId: string, phase: Phase, applied: Set<string>, timings: Map<string, StepReport>) {
  return new Umzug({
    logger: undefined,
    migrations: phase.steps.map((step) => ({
      name: step.id,
      up: async () => {
        const t0 = Date.now();
        const out = await runStep(env, runId, step, 'up');
        timings.set(step.id, { id: step.id, status: 'passed', durationMs: Date.now() - t0, rows: out?.rows, ...throttledOf(out), checks: [] });
      },
      down: async () => {
        const t0 = Date.now();
        const out = await runStep(env, runId, step, 'down');
        timings.set(step.id, { id: step.id, status: 'passed', durationMs: Date.now() - t0, ...throttledOf(out), checks: [] });
      },
    })),
    storage: {
      executed: async () => phase.steps.filter((s) => applied.has(s.id)).map((s) => s.id),
      // The ledger row is written inside each step's transaction (see runStep), not here.
      logMigration: async () => {},
      unlogMigration: async () => {},
    },
  });
}

/** Result of a phase run: the report, and the step that failed if any. */
export interface PhaseRun {
  report: Report;
  runId: string;
  failedStep?: string;
  error?: string;
  /** The failed step lost its connection to the server (a restart, a terminated backend). */
  connectionLost?: boolean;
  /** The step was paused by Ctrl-C or SIGTERM (an up: the same migrate resumes it), not failed by an error. */
  interrupted?: boolean;
  /** The failure is in the ledger (false: the server did not answer again in time). */
  recorded?: boolean;
}

interface Execution {
  runId: string;
  startedAt: Date;
  timings: Map<string, StepReport>;
  failedStep?: string;
  error?: string;
  connectionLost?: boolean;
  interrupted?: boolean;
  recorded?: boolean;
}

// Drive umzug over one phase; a failure is rolled back by the step's transaction and recorded here.
async function execute(env: RunEnv, phase: Phase, direction: 'up' | 'down', applied: Set<string>): Promise<Execution> {
  const ex: Execution = { runId: randomUUID(), startedAt: new Date(), timings: new Map() };
  const umzug = umzugFor(env, ex.runId, phase, applied, ex.timings);
  try {
    if (direction === 'up') await umzug.up();
    else {
      await umzug.down({ to: 0 });
      // A rolled-back phase is pending again: forget earlier failed attempts of its steps.
      await env.sql`delete from cortex_migration.steps where phase = ${phase.number} and status = 'failed'`;
    }
  } catch (err) {
    const cause = err instanceof MigrationError ? err.cause : err;
    const name = err instanceof MigrationError ? err.migration.name : undefined;
    const step = phase.steps.find((s) => s.id === name);
    // A step that refuses on a precondition (e.g. foreign rows without --force) is not a failure
    // of the step: its transaction rolled back, nothing is recorded, the command exits 6.
    if (isCortexError(cause) && cause.code === 'REFUSED') throw step ? refusedByStep(phase, step, direction, cause.message, cause.details) : cause;
    if (!step) throw err;
    ex.failedStep = step.id;
    ex.error = scrub(errorMessage(err));
    ex.connectionLost = serverGone(cause);
    // The same test `status` applies to the ledger's error, so the report and status agree.
    ex.interrupted = direction === 'up' && pausedBy(ex.error) !== undefined;
    if (!(isCortexError(cause) && cause.details === NOT_STARTED)) {
      const error = ex.error;
      ex.recorded = await writeWhenServerAnswers(env, `what happened to step ${step.id}`, ex.connectionLost,
        (sql) => recordFailure(sql, ex.runId, step, direction, error));
    }
  }
  return ex;
}

function phaseRun(ex: Execution, report: Report): PhaseRun {
  const { runId, failedStep, error, connectionLost, interrupted, recorded } = ex;
  return { report, runId, failedStep, error, ...(failedStep ? { connectionLost, interrupted, recorded } : {}) };
}

function stepReports(steps: Step[], ex: Execution, checks?: Map<string, Check[]>): StepReport[] {
  return steps.map((s) => {
    if (s.id === ex.failedStep) return { id: s.id, status: ex.interrupted ? 'interrupted' : 'failed', durationMs: 0, error: ex.error, checks: [] };
    const t = ex.timings.get(s.id);
    return {
      id: s.id,
      status: t ? 'passed' : 'skipped',
      durationMs: t?.durationMs ?? 0,
      ...(t?.rows !== undefined ? { rows: t.rows } : {}),
      ...(t?.throttled ? { throttled: t.throttled } : {}),
      checks: checks?.get(s.id) ?? [],
    };
  });
}

/** How a caller of `migratePhase` has settled what `prepareMigrate` checks and what must be confirmed. */
export interface MigrateOptions {
  /** The checks already made (under the same run lock); made here when absent. */
  preflight?: MigratePreflight;
  /** Whoever called has confirmed a phase that needs it (phase.json `confirm`). */
  confirmed?: boolean;
}

/** The one-line reason a phase must be confirmed, or undefined when it need not be (or nothing is left to apply). */
export function confirmationNeeded(pre: MigratePreflight): string | undefined {
  const { phase } = pre;
  if (!phase.confirm || pre.pending.length === 0) return undefined;
  return `phase ${phase.number} (${phase.name}) needs confirmation: it ${phase.confirm}`;
}

/**
 * Apply phase `n` (refused unless 1..n-1 are applied and its preconditions pass, and unless
 * confirmed when the phase needs it), resuming after the last applied step, then verify it. A
 * failing step is rolled back, recorded as `fail`, and stops the phase.
 */
export async function migratePhase(env: RunEnv, n: number, opts: MigrateOptions = {}): Promise<PhaseRun> {
  const pre = opts.preflight ?? (await prepareMigrate(env, n));
  const unconfirmed = confirmationNeeded(pre);
  if (unconfirmed && !opts.confirmed) throw new CortexError('NEEDS_CONFIRMATION', unconfirmed);
  if (pre.pending.length === 0 && pre.uncheckable) {
    throw new CortexError('REFUSED', `phase ${n} (${pre.phase.name}) is already applied, and its checks cannot run: ${pre.uncheckable}`);
  }
  const server = await serverVersion(env.sql);
  const ex = await execute(env, pre.phase, 'up', pre.applied);
  const checks = ex.failedStep === undefined ? await verifyEach(env, pre.phase.steps) : undefined;
  return phaseRun(ex, buildReport(env, server, pre.phase, 'up', ex.startedAt, stepReports(pre.phase.steps, ex, checks)));
}

/**
 * Revert phase `n` (refused unless it is the last applied phase), steps in reverse order,
 * including a non-transactional step that failed or was interrupted part-way.
 */
export async function rollbackPhase(env: RunEnv, n: number): Promise<PhaseRun> {
  const { phase, undoable } = await prepareRollback(env, n);
  const server = await serverVersion(env.sql);
  const ex = await execute(env, phase, 'down', undoable);
  return phaseRun(ex, buildReport(env, server, phase, 'down', ex.startedAt, stepReports([...phase.steps].reverse(), ex)));
}

/** Re-run the checks of phase `n` (must be applied, and its checks able to run); changes nothing. */
export async function verifyPhase(env: RunEnv, n: number): Promise<PhaseRun> {
  const phase = requirePhase(env.plan, n);
  const ledger = await readLedger(env.sql);
  assertNoDrift(env.plan, ledger);
  const status = planStatus(env.plan, ledger);
  const st = status.find((p) => p.number === n);
  if (st?.state !== 'applied') throw new CortexError('REFUSED', `phase ${n} is not applied (state: ${st?.state ?? 'unknown'})`);
  const uncheckable = uncheckableReason(env.plan, status, n);
  if (uncheckable) throw new CortexError('REFUSED', `the checks of phase ${n} (${phase.name}) cannot run: ${uncheckable}`);
  const server = await serverVersion(env.sql);
  const startedAt = new Date();
  const t0 = Date.now();
  const checks = await verifyEach(env, phase.steps);
  const steps: StepReport[] = phase.steps.map((s) => ({ id: s.id, status: 'passed', durationMs: Date.now() - t0, checks: checks.get(s.id) ?? [] }));
  return { report: buildReport(env, server, phase, 'verify', startedAt, steps), runId: randomUUID() };
}
