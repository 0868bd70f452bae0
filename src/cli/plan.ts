import type { Command } from 'commander';
import { openDatabase } from '../db/client.js';
import { inTransaction } from '../db/transaction.js';
import { CortexError } from '../errors.js';
import { assertCoverage, loadCoverage } from '../plan/coverage.js';
import { resolveLocks, type PlannedLock } from '../plan/resolve-locks.js';
import { readLedger } from '../runner/ledger.js';
import { assertPlanOwner } from '../runner/plan-owner.js';
import { findDrift } from '../runner/state.js';
import { configOf, planOf } from './session.js';
import { action } from './shell.js';

interface PlannedStep {
  id: string;
  state: 'pending' | 'applied';
  transactional: boolean;
  statements: string[];
  /** Every lock of every statement, none merged: `statementIndex` names its statement. */
  locks: PlannedLock[];
}

/** One lock as a line: mode and table (an index's table too), rows, what it means. */
export function lockLine(l: PlannedLock): string {
  const rows = l.estimatedRows !== undefined ? ` (~${l.estimatedRows} rows)` : '';
  const on = l.index
    ? `${l.mode} on index ${l.target}${l.index.tableMode ? `, ${l.index.tableMode} on its table ${l.table ?? '(not found now)'}${rows}` : ''}`
    : `${l.mode} on ${l.target}${rows}`;
  return `lock ${on}${l.note ? ` — ${l.note}` : ''}`;
}

/** A step's statements, each followed by the locks it takes (the README's promise). */
export function stepLines(s: Pick<PlannedStep, 'statements' | 'locks'>): string[] {
  const lines: string[] = [];
  // Locks that name no statement (a TypeScript step's own description) come first, for the step.
  for (const l of s.locks.filter((x) => x.statementIndex === undefined)) lines.push(`  ${lockLine(l)}`);
  s.statements.forEach((st, i) => {
    lines.push(...st.split('\n').map((x) => `    ${x}`));
    for (const l of s.locks.filter((x) => x.statementIndex === i)) lines.push(`      -> ${lockLine(l)}`);
    lines.push('');
  });
  return lines;
}

/** `cortex plan phase <N>`: steps, SQL and locks, computed inside a read-only transaction. */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('what phase N would do: steps, SQL, locks and estimated rows (read-only; changes nothing)')
    .argument('<target>', '"phase"')
    .argument('<n>', 'phase number')
    .action(
      action('plan', async (ctx, _opts, args) => {
        const [target, n] = args;
        const num = Number(n);
        if (target !== 'phase' || !Number.isInteger(num) || num < 1) throw new CortexError('USAGE', 'usage: cortex plan phase <N>');
        const plan = await planOf(ctx, configOf(ctx));
        const phase = plan.phases.find((p) => p.number === num);
        if (!phase) throw new CortexError('USAGE', `no phase ${num} (phases 1..${plan.phases.length})`);
        const sql = await openDatabase(ctx.target(), { max: 1 });
        try {
          const coverage = loadCoverage(plan.root);
          if (coverage) await assertCoverage(sql, coverage);
          const steps = await inTransaction(sql, async (t) => {
            await assertPlanOwner(t, plan);
            const ledger = await readLedger(t);
            const out: PlannedStep[] = [];
            for (const step of phase.steps) {
              const d = step.describe('up');
              // Every statement's locks, even when an earlier statement took the same mode on the
              // same table: its note (a scan, NOT VALID) is about that statement.
              const locks = await resolveLocks(t, d.locks);
              out.push({
                id: step.id,
                state: ledger.get(step.id)?.status === 'applied' ? 'applied' : 'pending',
                transactional: step.transactional,
                statements: d.statements,
                locks,
              });
            }
            return { out, drift: findDrift(plan, ledger) };
          }, { mode: 'read only', rollback: true });
          const c = ctx.out.color;
          const lines = [`phase ${phase.number} (${phase.name}): ${phase.steps.length} step(s)${phase.description ? ` — ${phase.description}` : ''}`];
          if (phase.steps.length === 0) lines.push(c.yellow('  not implemented yet: this phase has no steps'));
          for (const s of steps.out) {
            lines.push('', `${s.state === 'applied' ? c.green('[applied]') : '[pending]'} ${s.id}${s.transactional ? '' : ' (non-transactional)'}`);
            lines.push(...stepLines(s));
          }
          if (steps.drift.length > 0) lines.push(c.red(`drift: ${steps.drift.join('; ')}`));
          return { data: { phase: { number: phase.number, name: phase.name }, steps: steps.out, drift: steps.drift }, text: lines.join('\n') };
        } finally {
          await sql.end({ timeout: 5 });
        }
      }),
    );
}
