import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { readLedger } from '../runner/ledger.js';
import { acceptChecksums, type ChangedStep, changedSteps } from '../runner/repair.js';
import { findDrift } from '../runner/state.js';
import { confirm } from './confirm.js';
import { type RunOptions, withRun } from './session.js';
import { action } from './shell.js';

interface RepairOptions extends RunOptions {
  step?: string;
}

function listed(changed: ChangedStep[]): string[] {
  return changed.map((c) => `  ${c.step.id}: applied with ${c.oldChecksum}, files now ${c.newChecksum}`);
}

// The drift repair leaves alone (a removed step, a step inserted before applied ones): it is named,
// so nobody takes "repaired" for "no drift".
function otherDrift(problems: string[]): string[] {
  return problems.filter((p) => !/^files of applied step .* changed since it was applied$/.test(p));
}

/** `cortex repair [--step <id>]`: accept the changed files of applied steps, confirmed; runs nothing. */
export function registerRepair(program: Command): void {
  program
    .command('repair')
    .description(
      'accept the changed files of applied steps (checksum drift, exit 5): record their new checksum as applied, with an event ' +
        'holding the old and new checksums and who accepted them. Runs nothing (the database keeps what the old files did); ' +
        'asks for confirmation unless --yes',
    )
    .option('--step <id>', 'only this step (e.g. 1-alpha/002-create-table)')
    .option('--lock-timeout <seconds>', 'wait this long for another run to finish (default 10)')
    .action(
      action<RepairOptions>('repair', async (ctx, opts) =>
        // The run lock: no migrate or rollback may apply the step while its checksum is replaced.
        withRun(ctx, { lockTimeout: opts.lockTimeout }, async (env, sql) => {
          const changed = changedSteps(env.plan, await readLedger(sql), opts.step);
          if (changed.length === 0) {
            const rest = otherDrift(findDrift(env.plan, await readLedger(sql)));
            const scope = opts.step ? `the files of ${opts.step} are as they were when it was applied` : 'no applied step has changed files';
            if (rest.length > 0) ctx.out.warn(`drift repair does not accept: ${rest.join('; ')}`);
            return { data: { accepted: [], runId: null, otherDrift: rest }, text: `nothing to repair: ${scope}` };
          }
          ctx.out.info(`Changed files of ${changed.length} applied step(s) on ${env.target.display}:\n${listed(changed).join('\n')}`);
          await confirm(ctx, {
            notDone: 'no checksum was accepted',
            reason: 'it records changed files as applied without running them',
            details: ['Accepting records the new checksums as applied. Nothing is run: the database keeps what the old files did.'],
            question: `Accept the new checksum of ${changed.length} step(s)?`,
          });
          const runId = randomUUID();
          await acceptChecksums(sql, runId, changed);
          const rest = otherDrift(findDrift(env.plan, await readLedger(sql)));
          if (rest.length > 0) ctx.out.warn(`drift that repair does not accept remains: ${rest.join('; ')}`);
          const accepted = changed.map((c) => ({ step: c.step.id, phase: c.step.phase, oldChecksum: c.oldChecksum, newChecksum: c.newChecksum }));
          const text = [`accepted the new checksum of ${changed.length} step(s) (run ${runId}):`, ...listed(changed)].join('\n');
          return { data: { accepted, runId, otherDrift: rest }, text };
        }),
      ),
    );
}
