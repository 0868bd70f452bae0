// Which plan a database belongs to. A plan's steps record its name in the ledger
// (cortex_migration.steps.plan); while any step is applied or failed, only that plan may run or
// be shown, since another plan would read the ledger as drift and could undo nothing of the first.
// Ledgers written before names were recorded are inferred from their step ids and adopted.
import { readPlanManifest } from '../plan/manifest.js';
import type { Plan } from '../plan/model.js';
import { packageRoot } from '../paths.js';
import type { Sql } from '../db/client.js';
import { CortexError } from '../errors.js';
import { ledgerExists } from './ledger.js';

/** The plan names the ledger's steps record, and the steps recorded before names were (null). */
export interface LedgerPlans {
  names: string[];
  unnamed: string[];
}

/** Read which plans the ledger's steps belong to; read-only, also on a ledger older than the `plan` column. */
export async function readLedgerPlans(sql: Sql): Promise<LedgerPlans> {
  if (!(await ledgerExists(sql))) return { names: [], unnamed: [] };
  // to_jsonb reads the column by name, so a ledger from before it answers null instead of failing.
  const rows = await sql<{ step_id: string; plan: string | null }[]>`
    select step_id, to_jsonb(s) ->> 'plan' as plan from cortex_migration.steps s order by phase, step_id`;
  return {
    names: [...new Set(rows.flatMap((r) => (r.plan === null ? [] : [r.plan])))],
    unnamed: rows.filter((r) => r.plan === null).map((r) => r.step_id),
  };
}

const isBuiltIn = (plan: Plan) => plan.root === packageRoot;

function describePlan(plan: Plan): string {
  return `plan ${plan.name} (${isBuiltIn(plan) ? 'the built-in plan, without --plan' : `--plan ${plan.root}`})`;
}

// How to run the plan a database belongs to: the built-in one needs no --plan, any other its directory.
function howToRun(owner: string): string {
  if (owner === readPlanManifest(packageRoot)?.name) return `run cortex without --plan (${owner} is the built-in plan)`;
  return `run cortex with --plan <the directory of plan ${owner}>`;
}

/**
 * Why `plan` may not work on a database whose ledger is `ledger`, or null when it may: its steps
 * belong to another plan, by name or (before names were recorded) by having none of `plan`'s step ids.
 */
export function planMismatch(plan: Plan, ledger: LedgerPlans): string | null {
  const other = ledger.names.find((n) => n !== plan.name);
  if (other !== undefined) {
    return `this database belongs to plan ${other} (its ledger records steps of it), not to ${describePlan(plan)}: ` +
      `${howToRun(other)}, or roll ${other} back (every phase, with that plan) before using ${plan.name}`;
  }
  if (ledger.names.length > 0 || ledger.unnamed.length === 0) return null;
  const ids = new Set(plan.phases.flatMap((p) => p.steps.map((s) => s.id)));
  if (ledger.unnamed.some((id) => ids.has(id))) return null;
  const more = ledger.unnamed.length > 1 ? ` and ${ledger.unnamed.length - 1} more` : '';
  return `this database belongs to another plan than ${describePlan(plan)}: its ledger holds step ${ledger.unnamed[0]}${more}, ` +
    `none of them in ${plan.name}, and no plan name (it predates recorded names); run cortex with the plan it was migrated ` +
    `with (which records its name), or roll that plan back before using ${plan.name}`;
}

/** Refuse (exit 6, WRONG_PLAN) when the database belongs to another plan than `plan`. Read-only. */
export async function assertPlanOwner(sql: Sql, plan: Plan): Promise<LedgerPlans> {
  const ledger = await readLedgerPlans(sql);
  const problem = planMismatch(plan, ledger);
  if (problem) throw new CortexError('WRONG_PLAN', problem, { plan: plan.name, recorded: ledger.names });
  return ledger;
}

/**
 * Refuse like `assertPlanOwner`, then record `plan`'s name on steps applied before names were
 * recorded (they were inferred to be its own): from then on the name decides. Call with the run lock.
 */
export async function claimPlan(sql: Sql, plan: Plan): Promise<void> {
  const ledger = await assertPlanOwner(sql, plan);
  if (ledger.unnamed.length === 0) return;
  await sql`update cortex_migration.steps set plan = ${plan.name} where plan is null`;
}
