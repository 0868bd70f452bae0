// Interleaved pgbench rounds: the writes without cortex's triggers, with them, and the floor (the
// application doing the triggers' work by hand), round after round on one database, so a drift of
// the machine or of the tables touches all three alike.
import postgres from 'postgres';
import type { BenchContext } from './context.js';
import { type PgbenchOptions, type PgbenchRun, pgbench } from './pgbench.js';

/** Run `fn` on one fresh connection to `url`, closed afterwards. */
export async function onConnection<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** One round's three runs. */
export interface Round {
  base: PgbenchRun;
  on: PgbenchRun;
  floor: PgbenchRun;
}

/** What one group of rounds runs: a label, how its triggers are switched, and each run's script. */
export interface RoundsPlan {
  label: string;
  triggers(url: string, on: boolean): Promise<void>;
  base: { what: string; script: string };
  on: { what: string; script: string };
  floor: { what: string; script: string };
}

/** `rounds` rounds of base, on and floor; the triggers are left on. */
export async function interleavedRounds(ctx: BenchContext, url: string, w: PgbenchOptions, rounds: number, plan: RoundsPlan,
  workload: (name: string) => string): Promise<Round[]> {
  const out: Round[] = [];
  try {
    for (let r = 1; r <= rounds; r++) {
      const run = async (step: { what: string; script: string }, on: boolean) => {
        ctx.log(`${plan.label}: round ${r}/${rounds}, ${step.what}`);
        await plan.triggers(url, on);
        await ctx.server.checkpoint();
        return pgbench(url, { ...w, script: workload(step.script) });
      };
      const base = await run(plan.base, false);
      const on = await run(plan.on, true);
      const floor = await run(plan.floor, false);
      out.push({ base, on, floor });
    }
  } finally {
    await plan.triggers(url, true);
  }
  return out;
}
