// Accepting a changed step's files (Flyway's `repair`, Atlas's `migrate hash`): an applied step
// whose files changed is drift, and every run refuses it (exit 5). After someone has checked
// that the change does not matter to a database where the step already ran (a comment, a
// reformatting, a fix that was applied by hand), this records the files' new checksum as the
// applied one. It runs nothing: the database keeps what the old files did.
import type { Sql } from '../db/client.js';
import { inTransaction } from '../db/transaction.js';
import { CortexError } from '../errors.js';
import type { Plan, Step } from '../plan/model.js';
import { appendEvent, type LedgerRow } from './ledger.js';

/** An applied step whose files no longer match the checksum the ledger recorded. */
export interface ChangedStep {
  step: Step;
  oldChecksum: string;
  newChecksum: string;
}

/**
 * The applied steps of `plan` whose files changed, in plan order; only `stepId` when given
 * (USAGE when the plan has no such step).
 */
export function changedSteps(plan: Plan, ledger: Map<string, LedgerRow>, stepId?: string): ChangedStep[] {
  const steps = plan.phases.flatMap((p) => p.steps);
  if (stepId !== undefined && !steps.some((s) => s.id === stepId)) {
    throw new CortexError('USAGE', `plan ${plan.name} has no step ${stepId} (step ids look like ${steps[0]?.id ?? '1-schema/001-create-x'})`);
  }
  return steps.flatMap((step) => {
    const row = ledger.get(step.id);
    if (stepId !== undefined && step.id !== stepId) return [];
    // A failed step is not drift: it runs again from its current files.
    if (row?.status !== 'applied' || row.checksum === step.checksum) return [];
    return [{ step, oldChecksum: row.checksum, newChecksum: step.checksum }];
  });
}

/**
 * Record each step's new checksum as its applied one and append a `repair` event with both
 * checksums, all in one transaction. Call with the run lock held, after confirmation.
 */
export async function acceptChecksums(sql: Sql, runId: string, changed: ChangedStep[]): Promise<void> {
  await inTransaction(sql, async (t) => {
    for (const { step, oldChecksum, newChecksum } of changed) {
      // Only the row that was shown and confirmed: still applied, still at the old checksum.
      const updated = await t`update cortex_migration.steps set checksum = ${newChecksum}, updated_at = clock_timestamp()
                              where step_id = ${step.id} and status = 'applied' and checksum = ${oldChecksum}`;
      if (updated.count !== 1) throw new CortexError('REFUSED', `step ${step.id} changed in the ledger since it was read; nothing was accepted`);
      await appendEvent(t, runId, step, 'repair', null, { old_checksum: oldChecksum, new_checksum: newChecksum });
    }
  });
}
