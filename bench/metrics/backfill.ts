import postgres from 'postgres';
import type { Sql } from '../../src/db/client.js';
import { loadCortexPlan } from '../../src/plan/loader.js';
import type { RunSettings } from '../../src/plan/model.js';
import { mappedTargets } from '../../phases/3-backfill/backfill-tables.js';
import { cortex } from '../lib/cli.js';
import type { BenchContext } from '../lib/context.js';

/** One backfill measured against its ceiling on a copy of the same database. */
export interface BackfillRun {
  scale: number;
  db: string;
  rows: number;
  backfillMs: number;
  ceilingMs: number;
  peakRssMb: number;
}

const settings: RunSettings = { lockTimeoutMs: 5000, statementTimeoutMs: 0, lockRetries: 0, options: {} };

// Phase 3 up to (not including) the backfill step, applied step by step as the runner would.
async function applyPhase3WithoutBackfill(sql: Sql): Promise<void> {
  const plan = await loadCortexPlan();
  for (const step of plan.phases[2]!.steps.filter((s) => s.ordinal < 10)) {
    if (step.transactional) {
      await sql.begin(async (tx) => step.up({ sql: tx as unknown as Sql, settings, log: () => {} }));
      continue;
    }
    const conn = await sql.reserve();
    try {
      await step.up({ sql: conn as unknown as Sql, settings, log: () => {} });
    } finally {
      conn.release();
    }
  }
}

// The ceiling: the same transform and writes (the generated fill function), every row of a table in one statement.
async function ceiling(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} }) as unknown as Sql;
  try {
    await applyPhase3WithoutBackfill(sql);
    await sql`select set_config('cortex.sync_source', 'backfill', false), set_config('plan_cache_mode', 'force_custom_plan', false)`;
    let ms = 0;
    for (const t of await mappedTargets(sql)) {
      const t0 = performance.now();
      await sql`select cortex_migration.sync_safely(${t.old_schema}, ${t.old_table}, array(
                  select old_id from cortex_migration.migration_mappings where old_schema = ${t.old_schema} and old_table = ${t.old_table}))`;
      ms += performance.now() - t0;
    }
    return ms;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Load the fixture at `scale`, apply phases 1–2, copy the database; time one statement per table on
 * the copy (the ceiling), then `cortex migrate phase 3` on the original (the backfill step's own time).
 * `keepFixtureAs` keeps a copy of the freshly loaded fixture for the other benchmarks.
 */
export async function backfillAt(ctx: BenchContext, scale: number, db: string, keepFixtureAs?: string): Promise<BackfillRun> {
  const url = await ctx.server.create(db);
  ctx.log(`scale ${scale}: loading the fixture`);
  await cortex(url, ['fixtures', 'load', '--scale', String(scale), '--seed', '1']);
  if (keepFixtureAs) await ctx.server.create(keepFixtureAs, db);
  ctx.log(`scale ${scale}: phases 1 and 2`);
  await cortex(url, ['migrate', 'phase', '1']);
  await cortex(url, ['migrate', 'phase', '2']);
  const copy = await ctx.server.create(`${db}_ceiling`, db);
  ctx.log(`scale ${scale}: ceiling (one statement per table) on a copy`);
  const ceilingMs = await ceiling(copy);
  await ctx.server.drop(`${db}_ceiling`);
  ctx.log(`scale ${scale}: cortex migrate phase 3`);
  const run = await cortex(url, ['migrate', 'phase', '3']);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [r] = await sql<{ duration_ms: number; rows: string }[]>`
      select duration_ms, rows from cortex_migration.steps where phase = 3 and step_id like '%backfill-rows'`;
    ctx.log(`scale ${scale}: ${r!.rows} rows backfilled in ${r!.duration_ms} ms (ceiling ${Math.round(ceilingMs)} ms)`);
    return { scale, db, rows: Number(r!.rows), backfillMs: r!.duration_ms, ceilingMs, peakRssMb: run.peakRssMb };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
