// Everything that can refuse a phase run, checked before anything is asked or changed: a prompt
// must never be answered for a run that is then refused.
import type { Sql } from '../db/client.js';
import { serverGone } from '../db/session.js';
import { inTransaction } from '../db/transaction.js';
import { CortexError, isCortexError } from '../errors.js';
import type { Phase, Plan, Step, StepContext } from '../plan/model.js';
import { type LedgerRow, readLedger } from './ledger.js';
import { refusedByStep } from './refusal.js';
import type { RunEnv } from './runner.js';
import { assertNoDrift, planStatus, uncheckableReason } from './state.js';

/** The context a step runs with, on `sql` (a transaction or a reserved connection). */
export function stepContext(env: RunEnv, sql: Sql): StepContext {
  return {
    sql,
    settings: env.settings,
    log: (m) => env.events?.log?.(m),
    progress: (p) => env.events?.progress?.(p),
    target: env.target,
  };
}

/** Phase `n` of the plan, or a usage error naming the plan's range. */
export function requirePhase(plan: Plan, n: number): Phase {
  const p = plan.phases.find((x) => x.number === n);
  if (!p) throw new CortexError('USAGE', `no phase ${n} in plan ${plan.name} (phases 1..${plan.phases.length})`);
  return p;
}

/** Ids of the applied steps. */
export function appliedOf(ledger: Map<string, LedgerRow>): Set<string> {
  return new Set([...ledger.values()].filter((r) => r.status === 'applied').map((r) => r.step_id));
}

// What a rollback must undo: applied steps, and non-transactional steps that failed or were
// interrupted, which may have committed part of their work (a transactional one left nothing).
function undoableOf(plan: Plan, ledger: Map<string, LedgerRow>): Set<string> {
  const out = appliedOf(ledger);
  for (const s of plan.phases.flatMap((p) => p.steps)) {
    if (!s.transactional && ledger.get(s.id)?.status === 'failed') out.add(s.id);
  }
  return out;
}

/** Run the `check` of each step that has one, in a transaction that is rolled back. */
async function runChecks(env: RunEnv, phase: Phase, steps: Step[], direction: 'up' | 'down'): Promise<void> {
  for (const step of steps) {
    if (!step.check) continue;
    try {
      await inTransaction(env.sql, (tx) => step.check!(stepContext(env, tx), direction), { rollback: true });
    } catch (err) {
      // A check that fails refuses the run, whatever the step raised it with (a SQL step can
      // only raise an exception); a lost connection, or another CortexError, stays what it is.
      if (serverGone(err) || (isCortexError(err) && err.code !== 'REFUSED')) throw err;
      const why = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
      throw refusedByStep(phase, step, direction, why, isCortexError(err) ? err.details : undefined);
    }
  }
}

/** What `migrate phase N` will do, once every check that can refuse it has passed. */
export interface MigratePreflight {
  phase: Phase;
  applied: Set<string>;
  /** Steps not applied yet, in order; none: the phase is applied and a run only re-verifies it. */
  pending: Step[];
  /** Why the phase's checks cannot run now (see `uncheckableReason`). */
  uncheckable?: string;
}

/**
 * Check that phase `n` may be applied: it exists, no drift, phases 1..n-1 applied, and the
 * checks of its pending steps pass (run in a transaction that is rolled back).
 */
export async function prepareMigrate(env: RunEnv, n: number): Promise<MigratePreflight> {
  const phase = requirePhase(env.plan, n);
  const ledger = await readLedger(env.sql);
  assertNoDrift(env.plan, ledger);
  const status = planStatus(env.plan, ledger);
  const missing = status.filter((p) => p.number < n && p.state !== 'applied').map((p) => p.number);
  if (missing.length > 0) {
    throw new CortexError('REFUSED', `phase ${n} needs phase${missing.length > 1 ? 's' : ''} ${missing.join(', ')} applied first`);
  }
  const applied = appliedOf(ledger);
  const pending = phase.steps.filter((s) => !applied.has(s.id));
  await runChecks(env, phase, pending, 'up');
  return { phase, applied, pending, uncheckable: uncheckableReason(env.plan, status, n) };
}

/** What `rollback phase N` will undo, once every check that can refuse it has passed. */
export interface RollbackPreflight {
  phase: Phase;
  undoable: Set<string>;
  /** The phase's steps to revert, in the order they are reverted. */
  steps: Step[];
}

/** Check that phase `n` may be rolled back: it exists, no drift, it is the last applied phase, and its steps' checks pass. */
export async function prepareRollback(env: RunEnv, n: number): Promise<RollbackPreflight> {
  const phase = requirePhase(env.plan, n);
  const ledger = await readLedger(env.sql);
  assertNoDrift(env.plan, ledger);
  const undoable = undoableOf(env.plan, ledger);
  const last = Math.max(0, ...env.plan.phases.filter((p) => p.steps.some((s) => undoable.has(s.id))).map((p) => p.number));
  if (last === 0) throw new CortexError('REFUSED', `nothing is applied; phase ${n} cannot be rolled back`);
  if (last !== n) throw new CortexError('REFUSED', `phase ${n} is not the last applied phase (phase ${last} is); roll back ${last} first`);
  const steps = [...phase.steps].reverse().filter((s) => undoable.has(s.id));
  await runChecks(env, phase, steps, 'down');
  return { phase, undoable, steps };
}
