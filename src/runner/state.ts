import { CortexError } from '../errors.js';
import type { Phase, Plan, Step } from '../plan/model.js';
import { pausedBy, resumeCommand } from './interrupt.js';
import { type LedgerRow, startedByRun } from './ledger.js';

/**
 * State of one step as the ledger and the plan files see it together. `running`: a
 * non-transactional step started by the run that holds the run lock now, so it is in progress
 * rather than interrupted. `interrupted`: paused by Ctrl-C or SIGTERM (what it committed stays; the
 * same migrate resumes it), as opposed to `failed` by an error, a kill -9 or a lost server.
 */
export type StepState = 'pending' | 'applied' | 'failed' | 'interrupted' | 'drift' | 'running';

/** A step with its state, for `status` and drift checks. */
export interface StepStatus {
  id: string;
  state: StepState;
  checksum: string;
  appliedChecksum?: string;
  appliedAt?: string;
  error?: string;
  drift?: string;
  /** For an interrupted (paused) step: the command that resumes it. */
  resume?: string;
}

/** A phase with its state: applied when every step is, partial when some are, interrupted when one is paused. */
export interface PhaseStatus {
  number: number;
  name: string;
  state: 'pending' | 'applied' | 'partial' | 'failed' | 'interrupted' | 'drift' | 'running';
  steps: StepStatus[];
}

function stepStatus(step: Step, row: LedgerRow | undefined, runPid: number | null): StepStatus {
  const base: StepStatus = { id: step.id, state: 'pending', checksum: step.checksum };
  if (!row) return base;
  if (runPid !== null && startedByRun(row, runPid)) return { ...base, state: 'running' };
  if (row.status === 'failed' && pausedBy(row.error)) {
    return { ...base, state: 'interrupted', error: row.error ?? undefined, resume: resumeCommand(step.phase) };
  }
  if (row.status === 'failed') return { ...base, state: 'failed', error: row.error ?? undefined };
  const applied: StepStatus = {
    ...base,
    state: 'applied',
    appliedChecksum: row.checksum,
    appliedAt: row.applied_at ? new Date(row.applied_at).toISOString() : undefined,
  };
  if (row.checksum !== step.checksum) {
    return { ...applied, state: 'drift', drift: `files of applied step ${step.id} changed since it was applied` };
  }
  return applied;
}

function phaseState(steps: StepStatus[]): PhaseStatus['state'] {
  if (steps.some((s) => s.state === 'drift')) return 'drift';
  if (steps.some((s) => s.state === 'running')) return 'running';
  if (steps.length > 0 && steps.every((s) => s.state === 'applied')) return 'applied';
  if (steps.some((s) => s.state === 'failed')) return 'failed';
  if (steps.some((s) => s.state === 'interrupted')) return 'interrupted';
  if (steps.some((s) => s.state === 'applied')) return 'partial';
  return 'pending';
}

/**
 * Combine plan and ledger into per-phase, per-step states. `runPid`: the backend holding the run
 * lock, when another session holds it (only `status` asks; a run itself holds the lock): a step
 * that run started is `running`, not interrupted.
 */
export function planStatus(plan: Plan, ledger: Map<string, LedgerRow>, runPid: number | null = null): PhaseStatus[] {
  return plan.phases.map((p: Phase) => {
    const steps = p.steps.map((s) => stepStatus(s, ledger.get(s.id), runPid));
    return { number: p.number, name: p.name, state: phaseState(steps), steps };
  });
}

/**
 * Every drift problem: applied steps whose files changed, applied steps missing from the plan,
 * and pending steps placed before applied ones (inserted into history).
 */
export function findDrift(plan: Plan, ledger: Map<string, LedgerRow>): string[] {
  const problems: string[] = [];
  const all = plan.phases.flatMap((p) => p.steps);
  const known = new Set(all.map((s) => s.id));
  for (const row of ledger.values()) {
    if (row.status === 'applied' && !known.has(row.step_id)) {
      problems.push(`applied step ${row.step_id} is no longer in the plan`);
    }
  }
  let lastApplied = -1;
  all.forEach((s, i) => {
    const row = ledger.get(s.id);
    if (row?.status === 'applied') {
      lastApplied = i;
      if (row.checksum !== s.checksum) problems.push(`files of applied step ${s.id} changed since it was applied`);
    }
  });
  all.forEach((s, i) => {
    if (i < lastApplied && ledger.get(s.id)?.status !== 'applied') {
      problems.push(`step ${s.id} is pending but comes before applied steps (inserted out of order)`);
    }
  });
  return problems;
}

/** Fail with exit 5 when the ledger and the plan disagree. */
export function assertNoDrift(plan: Plan, ledger: Map<string, LedgerRow>): void {
  const problems = findDrift(plan, ledger);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    // Changed files have a way forward besides a rollback: say it where the run stops.
    const changed = problems.some((p) => p.startsWith('files of applied step '));
    const hint = changed ? '; if the change is safe for a database where the step already ran, `cortex repair` accepts it (it runs nothing), otherwise roll the phase back' : '';
    throw new CortexError('DRIFT', `drift: ${problems[0]}${more}${hint}`, problems);
  }
}

/**
 * Why the checks of phase `n` cannot run now, or undefined when they can: once the plan's archive
 * phase is applied, the checks of the phases after the first and before the archive read legacy
 * schemas that no longer exist under their names. Phrased to follow "its checks cannot run: ".
 */
export function uncheckableReason(plan: Plan, status: PhaseStatus[], n: number): string | undefined {
  const archive = plan.phases.find((p) => p.name === 'archive');
  if (!archive || n <= 1 || n >= archive.number) return undefined;
  if (status.find((p) => p.number === archive.number)?.state !== 'applied') return undefined;
  return `they read the legacy schemas, which phase ${archive.number} (archive) renamed to *_deprecated; roll back phase ${archive.number} to run them`;
}
