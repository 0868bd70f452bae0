// A refusal raised by a step, by its check before anything runs or by the step itself when it
// runs, names the phase and the step: its own message says what is wrong, not where, and under
// `migrate all` (or a rollback) that is the first thing to know.
import { CortexError } from '../errors.js';
import type { Phase, Step } from '../plan/model.js';

/** `phase 3 (contract) is refused by step 3-contract/001-…: <reason>` (a rollback: `rolling back phase …`). */
export function refusedByStep(phase: Phase, step: Step, direction: 'up' | 'down', reason: string, details?: unknown): CortexError {
  const what = `${direction === 'down' ? 'rolling back ' : ''}phase ${phase.number} (${phase.name})`;
  return new CortexError('REFUSED', `${what} is refused by step ${step.id}: ${reason}`, details);
}
