import type { Command } from 'commander';
import { type BackfillState, formatBackfillState, formatWritesBySide, readBackfillState, readWritesBySide, type WritesBySide } from '../backfill/state.js';
import { formatWorkersState, readWorkersState, type WorkersState } from '../backfill/workers-status.js';
import { type BatchJob, formatBatchJobs, readBatchJobs } from '../batch/status.js';
import { openDatabase } from '../db/client.js';
import { formatGovernorStatus, type GovernorStatus, readGovernorStatus } from '../governor/status.js';
import { runLockSession } from '../db/lock.js';
import { packageRoot } from '../paths.js';
import type { Plan } from '../plan/model.js';
import { readLedger } from '../runner/ledger.js';
import { assertPlanOwner } from '../runner/plan-owner.js';
import { findDrift, type PhaseStatus, planStatus } from '../runner/state.js';
import { configOf, planOf } from './session.js';
import { action, type CommandContext } from './shell.js';

interface StatusData {
  phases: PhaseStatus[];
  drift: string[];
  run: { active: boolean; pid: number | null; application: string | null; client: string | null };
  backfill: BackfillState | null;
  /** The parallel backfill's live workers and chunks per table (null before phase 3 created them). */
  backfillWorkers: WorkersState | null;
  /** Checkpoints of batched jobs (any plan's src/batch steps): how far each got, finished or not. */
  batchJobs: BatchJob[];
  /** Per mapped table, the writes from each side since phase 4 (null before it). */
  writes: WritesBySide[] | null;
  /** Whether batched work is paused (cortex backfill pause), and each running process's governor. */
  governor: GovernorStatus;
}

function render(ctx: CommandContext, plan: Plan, { phases, drift, run, backfill, backfillWorkers, batchJobs, writes, governor }: StatusData): string {
  const c = ctx.out.color;
  const paint = (s: string) =>
    s === 'applied'
      ? c.green(s)
      : s === 'failed' || s === 'drift'
        ? c.red(s)
        : s === 'partial' || s === 'running' || s === 'interrupted'
          ? c.yellow(s)
          : c.dim(s);
  const lines = [`plan ${plan.name} (${plan.root === packageRoot ? 'built-in' : plan.root})`];
  if (run.active) {
    const who = [run.application, run.client ? `from ${run.client}` : ''].filter(Boolean).join(' ');
    lines.push(c.yellow(`a cortex run is in progress (backend pid ${run.pid}${who ? `, ${who}` : ''})`));
  }
  for (const p of phases) {
    // A paused phase says so, and how to go on, where a DBA looks first.
    const resume = p.steps.find((s) => s.resume)?.resume;
    const paused = p.state === 'interrupted' && resume ? `  (paused; resume with: ${resume})` : '';
    lines.push(`phase ${p.number} ${p.name.padEnd(12)} ${paint(p.state)}${paused}${p.steps.length === 0 ? c.dim('  (no steps yet)') : ''}`);
    for (const s of p.steps) {
      const error = s.error ? `  ${s.resume ? c.yellow(`${s.error}; resume with: ${s.resume}`) : c.red(s.error)}` : '';
      lines.push(`  ${paint(s.state).padEnd(8)} ${s.id}${error}${s.drift ? `  ${c.red(s.drift)}` : ''}`);
    }
  }
  const governed = formatGovernorStatus(governor);
  if (governed.length > 0) lines.push('', ...governed);
  if (backfill) lines.push('', ...formatBackfillState(backfill));
  if (backfillWorkers?.tables.length) lines.push('', ...formatWorkersState(backfillWorkers));
  if (batchJobs.length > 0) lines.push('', ...formatBatchJobs(batchJobs));
  if (writes) lines.push('', ...formatWritesBySide(writes));
  if (drift.length > 0) lines.push('', c.red('drift:'), ...drift.map((d) => `  ${d}`));
  return lines.join('\n');
}

/** `cortex status`: every phase and step with its state; read-only, creates nothing. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("the plan, each phase and step (pending / applied / running / interrupted, i.e. paused by Ctrl-C / failed), checksum drift, whether batched work is paused (cortex backfill pause) and what each running governor does, batched jobs' progress, and the built-in plan's backfill and writes from each side (read-only; exit 6 when the database is another plan's)")
    .action(
      action('status', async (ctx) => {
        const plan = await planOf(ctx, configOf(ctx));
        const sql = await openDatabase(ctx.target(), { max: 1 });
        try {
          // Another plan's ledger would show every step as drift: say whose it is instead (exit 6).
          await assertPlanOwner(sql, plan);
          const ledger = await readLedger(sql);
          const holder = await runLockSession(sql);
          const pid = holder?.pid ?? null;
          const data: StatusData = {
            phases: planStatus(plan, ledger, pid),
            drift: findDrift(plan, ledger),
            run: { active: pid !== null, pid, application: holder?.application || null, client: holder?.client ?? null },
            backfill: await readBackfillState(sql),
            backfillWorkers: await readWorkersState(sql),
            batchJobs: await readBatchJobs(sql),
            writes: await readWritesBySide(sql),
            governor: await readGovernorStatus(sql),
          };
          return { data: { plan: plan.name, ...data }, text: render(ctx, plan, data) };
        } finally {
          await sql.end({ timeout: 5 });
        }
      }),
    );
}
