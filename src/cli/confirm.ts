// Confirmation of a run that changes what an application sees (a rollback, an archive). It is
// asked after every check that could refuse the run, with the run lock held, so what was
// confirmed is what runs; the deadline bounds how long a pending prompt keeps other runs out.
import { createInterface } from 'node:readline/promises';
import { CortexError } from '../errors.js';
import type { Phase, Step } from '../plan/model.js';
import { stopped, stopSignal } from '../runner/interrupt.js';
import type { CommandContext } from './shell.js';

/** How long a prompt waits for an answer before the run is cancelled. */
export const PROMPT_SECONDS = 120;

/** What to confirm: what is not done without it, why, the lines that say what will happen, and the question. */
export interface ConfirmRequest {
  /** What did not happen when it is not confirmed, e.g. "phase 6 (archive) was not applied": starts each refusal. */
  notDone: string;
  /** Why it needs confirmation, for the line printed when there is no terminal to ask on. */
  reason?: string;
  details: string[];
  question: string;
}

function canAsk(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/**
 * Go on when `--yes` was given or the user answers yes on the terminal. Otherwise throw: with no
 * terminal, NEEDS_CONFIRMATION (exit 2); on no (or no answer in time), REFUSED (exit 6); on
 * Ctrl-C or SIGTERM, INTERRUPTED (exit 130).
 */
export async function confirm(ctx: CommandContext, req: ConfirmRequest): Promise<void> {
  if (ctx.globals.yes) return;
  if (!canAsk()) {
    const why = req.reason ? `, as ${req.reason}` : '';
    throw new CortexError('NEEDS_CONFIRMATION', `${req.notDone}: it needs confirmation${why}; pass --yes (there is no terminal to ask on)`);
  }
  process.stderr.write(`${req.details.join('\n')}\n`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const ctrlC = new AbortController();
  // On a terminal, readline reads Ctrl-C itself instead of letting it raise SIGINT.
  rl.on('SIGINT', () => ctrlC.abort());
  const timeout = AbortSignal.timeout(PROMPT_SECONDS * 1000);
  try {
    const answer = (await rl.question(`${req.question} [y/N] `, { signal: AbortSignal.any([ctrlC.signal, stopped, timeout]) })).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new CortexError('REFUSED', `${req.notDone}: cancelled at the prompt`);
  } catch (err) {
    if (!(err instanceof Error) || err.name !== 'AbortError') throw err;
    if (timeout.aborted) throw new CortexError('REFUSED', `${req.notDone}: no answer within ${PROMPT_SECONDS} s`);
    throw new CortexError('INTERRUPTED', `${req.notDone}: ${stopSignal() ?? 'SIGINT'} at the prompt`);
  } finally {
    rl.close();
  }
}

function stepList(steps: Step[]): string {
  return steps.map((s) => s.id).join(', ');
}

/** The request to apply a phase whose manifest asks for confirmation (`pending`: its steps still to run). */
export function applyRequest(ctx: CommandContext, phase: Phase, pending: Step[]): ConfirmRequest {
  const subject = `phase ${phase.number} (${phase.name})`;
  return {
    notDone: `${subject} was not applied`,
    reason: `it ${phase.confirm}`,
    details: [
      `Apply ${subject} to ${ctx.target().display}:`,
      ...(phase.description ? [`  ${phase.description}`] : []),
      `  it ${phase.confirm}`,
      `  steps, in this order: ${stepList(pending)}`,
    ],
    question: `Apply phase ${phase.number}?`,
  };
}

/** The request to roll back a phase (`steps`: those reverted, in the order they are). */
export function rollbackRequest(ctx: CommandContext, phase: Phase, steps: Step[]): ConfirmRequest {
  const subject = `phase ${phase.number} (${phase.name})`;
  return {
    notDone: `${subject} was not rolled back`,
    details: [
      `Roll back ${subject} on ${ctx.target().display}:`,
      ...(phase.description ? [`  the phase: ${phase.description}`] : []),
      ...(phase.down ? [`  rolling it back ${phase.down}`] : []),
      `  steps reverted, in this order: ${stepList(steps)}`,
    ],
    question: `Roll back phase ${phase.number}?`,
  };
}
