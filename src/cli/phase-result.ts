import { ExitCode } from '../errors.js';
import { resumeCommand, stopSignal } from '../runner/interrupt.js';
import { RECORD_WAIT_SECONDS } from '../runner/lost-connection.js';
import type { PhaseRun } from '../runner/runner.js';
import type { ReportFiles } from '../verify/writers.js';
import type { CommandResult } from './output.js';

/**
 * Turn finished phase runs into the CLI result: exit 130 when a signal stopped them, 7 for a
 * failed step (or one whose connection was lost), 1 for failed checks.
 */
export function phaseResult(runs: Array<{ run: PhaseRun; files: ReportFiles }>): CommandResult {
  const last = runs[runs.length - 1];
  const failedStep = runs.find((r) => r.run.failedStep);
  const failedChecks = runs.find((r) => r.run.report.status === 'failed');
  const data = {
    report: last?.run.report ?? null,
    reports: runs.map((r) => ({ phase: r.run.report.phase.number, direction: r.run.report.direction, status: r.run.report.status, files: r.files })),
  };
  const text = runs.map((r) => `report: ${r.files.markdown}`).join('\n');
  const signal = stopSignal();
  if (signal && (failedStep || failedChecks)) {
    const stopped = failedStep?.run;
    // A paused up is resumed by migrating its phase again; a stopped rollback stays failed.
    const message = stopped?.interrupted
      ? `interrupted by ${signal}: step ${stopped.failedStep} paused (recorded as interrupted, its committed work kept); resume with: ${resumeCommand(stopped.report.phase.number)}`
      : `interrupted by ${signal}: ${stopped ? `step ${stopped.failedStep} stopped and is marked failed` : `phase ${failedChecks!.run.report.phase.number} verification stopped`}; run the same command again to go on`;
    return { data, text: `${text}\n${message}`, exitCode: ExitCode.interrupted, error: { code: 'INTERRUPTED', message } };
  }
  if (failedStep?.run.connectionLost) {
    // Not a fault of the step: say so, and that a rerun resumes (the error says both).
    const { run } = failedStep;
    const unrecorded = run.recorded === false ? ` (not recorded in the ledger: the server did not answer again within ${RECORD_WAIT_SECONDS} s)` : '';
    const message = `step ${run.failedStep} ${run.error}${unrecorded}`;
    return { data, text: `${text}\n${message}`, exitCode: ExitCode.stepFailed, error: { code: 'CONNECTION_LOST', message } };
  }
  if (failedStep) {
    return {
      data,
      text,
      exitCode: ExitCode.stepFailed,
      error: { code: 'STEP_FAILED', message: `step ${failedStep.run.failedStep} failed: ${failedStep.run.error}` },
    };
  }
  if (failedChecks) {
    const r = failedChecks.run.report;
    const names = r.steps.flatMap((s) => s.checks.filter((c) => c.status === 'failed').map((c) => `${s.id}:${c.id}`));
    return {
      data,
      text,
      exitCode: ExitCode.checksFailed,
      error: { code: 'CHECKS_FAILED', message: `phase ${r.phase.number} ${r.direction}: ${names.length} check(s) failed: ${names.slice(0, 5).join(', ')}` },
    };
  }
  return { data, text };
}
