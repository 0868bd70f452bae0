// `cortex backfill …`: commands about batched work while it runs. `pause` and `resume` flip the
// ledger's pause switch (cortex_migration.batch_control): every batch loop of any plan, worker or
// machine holds before its next batch while it is set, and goes on when it is cleared.
import type { Command } from 'commander';
import { openDatabase, type Sql } from '../db/client.js';
import { runLockSession } from '../db/lock.js';
import { type PauseState, setPause, whoOf } from '../governor/control.js';
import { readGovernors } from '../governor/record.js';
import { ensureLedger } from '../runner/ledger.js';
import { addWorkCommand } from './backfill-work.js';
import { action, type CommandContext } from './shell.js';

// The switch's table, created with the ledger if this database has none yet (a pause before any
// run holds the first one); an existing ledger is not touched (a run may be using it).
async function ensureControl(sql: Sql): Promise<void> {
  const [r] = await sql<{ ok: boolean }[]>`select to_regclass('cortex_migration.batch_control') is not null as ok`;
  if (!r?.ok) await ensureLedger(sql);
}

// Whether batched work is running now: a cortex run holds the lock, or a governor reported lately.
async function running(sql: Sql): Promise<{ run: boolean; governors: number }> {
  const holder = await runLockSession(sql);
  return { run: holder !== null, governors: (await readGovernors(sql)).length };
}

async function flip(ctx: CommandContext, paused: boolean, reason: string | null) {
  const sql = await openDatabase(ctx.target(), { max: 1 });
  try {
    await ensureControl(sql);
    const state: PauseState = await setPause(sql, paused, reason);
    const now = await running(sql);
    const busy = now.run || now.governors > 0;
    const text = paused
      ? busy
        ? `paused by ${whoOf(state)}${reason ? ` (${reason})` : ''}: running batched work holds before its next batch; resume with: cortex backfill resume`
        : `paused by ${whoOf(state)}${reason ? ` (${reason})` : ''}: no batched work is running now; the next backfill holds before its first batch until: cortex backfill resume`
      : busy
        ? `resumed by ${whoOf(state)}: held batched work goes on within a second`
        : `resumed by ${whoOf(state)}: no batched work is running now; the next one runs freely`;
    return { data: { ...state, running: busy }, text };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** `cortex backfill pause [--reason <text>]` and `cortex backfill resume`. */
export function registerBackfill(program: Command): Command {
  const group = program
    .command('backfill')
    .description('control batched work while it runs (the backfill, batched updates, phase 4\'s replay), from any terminal or machine');
  group
    .command('pause')
    .description('hold every batch loop on this database before its next batch (any plan, worker or machine) until `cortex backfill resume`; allowed when nothing runs (the next backfill holds)')
    .option('--reason <text>', 'why, shown by progress lines and status')
    .action(
      action<{ reason?: string }>('backfill pause', async (ctx, opts) => flip(ctx, true, opts.reason?.trim() || null)),
    );
  group
    .command('resume')
    .description('let held batch loops go on (they look again about once a second)')
    .action(action('backfill resume', async (ctx) => flip(ctx, false, null)));
  addWorkCommand(group);
  return group;
}
