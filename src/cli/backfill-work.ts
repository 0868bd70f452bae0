// `cortex backfill work`: more workers for a phase-3 backfill in progress, from any machine. They
// claim chunks from the chunk table like `migrate phase 3`'s own workers (PostgreSQL is the
// coordinator); no run lock is taken, since the migrate process holds it.
import type { Command } from 'commander';
import { backfillInProgress } from '../backfill/chunks.js';
import { backfillOptions } from '../backfill/engine.js';
import { runWorkerPool, workersOf } from '../backfill/worker-pool.js';
import { applicationName, openDatabase } from '../db/client.js';
import { CortexError, isCortexError } from '../errors.js';
import { catchStopSignals } from '../runner/interrupt.js';
import { type BatchFlags, batchExtra, checkBatchSettings, withBatchOptions, withWorkersOption } from './batch-options.js';
import { configOf, progressEvents, settingsOf } from './session.js';
import { action } from './shell.js';

/** Add `work` to the `backfill` command group. */
export function addWorkCommand(group: Command): void {
  const command = group
    .command('work')
    .description(
      'join the phase-3 backfill in progress (started by `cortex migrate phase 3`) from this machine: claim chunks until none is ' +
        'left, then exit 0; refused (exit 6) when no backfill is in progress; Ctrl-C stops after the current batch (its chunk is ' +
        'then free for any worker, its progress kept)',
    );
  withWorkersOption(withBatchOptions(command)).action(
    action<BatchFlags>('backfill work', async (ctx, flags) => {
      const settings = settingsOf(configOf(ctx), batchExtra(flags));
      const workers = workersOf(settings.options);
      const target = ctx.target();
      const sql = await openDatabase(target, { max: 1, applicationName: applicationName('worker') });
      const events = progressEvents(ctx);
      const release = catchStopSignals((signal) => {
        events.stop();
        ctx.out.warn(`${signal}: stopping after the current batch (send it again to quit at once)`);
      });
      try {
        if (!(await backfillInProgress(sql))) {
          throw new CortexError('REFUSED', 'no backfill in progress: start `cortex migrate phase 3` first, then `cortex backfill work` joins it');
        }
        // A throttle query that fails is a usage error before the first claim, as for migrate.
        await checkBatchSettings(sql, settings);
        const started = Date.now();
        const out = await runWorkerPool({
          sql, target, workers, role: 'work', settings, opts: backfillOptions(settings),
          log: (m) => events.log?.(m),
          ...(events.progress ? { progress: events.progress } : {}),
        });
        const seconds = (Date.now() - started) / 1000;
        const rate = Math.round(out.rows / Math.max(seconds, 0.001));
        return {
          data: { workers: out.workers, chunks: out.chunks, rows: out.rows, batches: out.batches, seconds, governor: out.governor },
          text: `backfill work: ${out.rows} rows in ${out.chunks} chunks (${out.batches} batches) by ${workers} worker${workers === 1 ? '' : 's'} in ${seconds.toFixed(1)} s (${rate} rows/s); no chunk left`,
        };
      } catch (err) {
        if (isCortexError(err) && err.code === 'INTERRUPTED') {
          throw new CortexError('INTERRUPTED', `${err.message.split(':')[0]}: stopped after the current batch; its chunk is free for any worker, its progress kept`);
        }
        throw err;
      } finally {
        release();
        events.stop();
        await sql.end({ timeout: 5 });
      }
    }),
  );
}
