import type { Command } from 'commander';
import { openDatabase } from '../db/client.js';
import { readLedger } from '../runner/ledger.js';
import { findDrift, type PhaseStatus, planStatus } from '../runner/state.js';
import { configOf, planOf } from './session.js';
import { action, type CommandContext } from './shell.js';

function render(ctx: CommandContext, phases: PhaseStatus[], drift: string[]): string {
  const c = ctx.out.color;
  const paint = (s: string) =>
    s === 'applied' ? c.green(s) : s === 'failed' || s === 'drift' ? c.red(s) : s === 'partial' ? c.yellow(s) : c.dim(s);
  const lines: string[] = [];
  for (const p of phases) {
    lines.push(`phase ${p.number} ${p.name.padEnd(12)} ${paint(p.state)}${p.steps.length === 0 ? c.dim('  (no steps yet)') : ''}`);
    for (const s of p.steps) {
      lines.push(`  ${paint(s.state).padEnd(8)} ${s.id}${s.error ? `  ${c.red(s.error)}` : ''}${s.drift ? `  ${c.red(s.drift)}` : ''}`);
    }
  }
  if (drift.length > 0) lines.push('', c.red('drift:'), ...drift.map((d) => `  ${d}`));
  return lines.join('\n');
}

/** `cortex status`: every phase and step with its state; read-only, creates nothing. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('each phase and step: pending / applied / failed, and checksum drift (read-only)')
    .action(
      action('status', async (ctx) => {
        const plan = await planOf(ctx, configOf(ctx));
        const sql = await openDatabase(ctx.target(), { max: 1 });
        try {
          const ledger = await readLedger(sql);
          const phases = planStatus(plan, ledger);
          const drift = findDrift(plan, ledger);
          return { data: { plan: plan.name, phases, drift }, text: render(ctx, phases, drift) };
        } finally {
          await sql.end({ timeout: 5 });
        }
      }),
    );
}
