import type { Command } from 'commander';
import { openDatabase, type Sql } from '../db/client.js';
import { inTransaction } from '../db/transaction.js';
import { CortexError } from '../errors.js';
import { assertCoverage, loadCoverage } from '../plan/coverage.js';
import type { LockInfo } from '../plan/model.js';
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
  locks: Array<LockInfo & { estimatedRows?: number }>;
}

async function estimateRows(sql: Sql, target: string): Promise<number | undefined> {
  const [r] = await sql<{ n: number | null }[]>`
    select case when c.reltuples < 0 then null else c.reltuples::bigint end::float8 as n
    from pg_class c where c.oid = to_regclass(${target})`;
  return r?.n ?? undefined;
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
              const locks = [];
              // A lock taken by several statements of the step (drop and create of each trigger) is shown once.
              const seen = new Set<string>();
              for (const l of d.locks) {
                if (seen.has(`${l.mode} ${l.target}`)) continue;
                seen.add(`${l.mode} ${l.target}`);
                locks.push(l.procedural ? l : { ...l, estimatedRows: await estimateRows(t, l.target) });
              }
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
            for (const l of s.locks) {
              lines.push(`  lock ${l.mode} on ${l.target}${l.estimatedRows !== undefined ? ` (~${l.estimatedRows} rows)` : ''}${l.note ? ` — ${l.note}` : ''}`);
            }
            for (const st of s.statements) lines.push(...st.split('\n').map((x) => `    ${x}`), '');
          }
          if (steps.drift.length > 0) lines.push(c.red(`drift: ${steps.drift.join('; ')}`));
          return { data: { phase: { number: phase.number, name: phase.name }, steps: steps.out, drift: steps.drift }, text: lines.join('\n') };
        } finally {
          await sql.end({ timeout: 5 });
        }
      }),
    );
}
