import postgres from 'postgres';
import type { Sql } from '../../src/db/client.js';
import { mappedTables } from '../../src/db/mapped-tables.js';
import { loadCortexPlan } from '../../src/plan/loader.js';
import type { RunSettings } from '../../src/plan/model.js';
import { syncFillFunction } from '../../src/names.js';
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

// The statement of a table's generated fill function (its one INSERT … SELECT with CTEs) with the
// key filter removed: the same transform and writes over the whole table, in one statement.
async function wholeTableStatement(sql: Sql, schema: string, table: string): Promise<string> {
  const [fnSchema, fnName] = syncFillFunction(schema, table);
  const [f] = await sql<{ src: string }[]>`
    select p.prosrc as src from pg_proc p where p.proname = ${fnName} and p.pronamespace = ${fnSchema}::regnamespace`;
  const body = f!.src;
  const start = body.indexOf('with src as materialized');
  const end = body.lastIndexOf(' into n;');
  const filter = 'v._legacy_key = any(keys) and v._old_id = any(old_ids)';
  if (start < 0 || end < 0 || !body.includes(filter)) throw new Error(`unexpected shape of the fill function of ${schema}.${table}`);
  return body.slice(start, end).replace(filter, 'true');
}

// The ceiling: every table's transform and writes, each table in one statement.
async function ceiling(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} }) as unknown as Sql;
  try {
    await applyPhase3WithoutBackfill(sql);
    await sql`select set_config('cortex.sync_source', 'backfill', false)`;
    let ms = 0;
    for (const t of await mappedTables(sql)) {
      const statement = await wholeTableStatement(sql, t.old_schema, t.old_table);
      const t0 = performance.now();
      await sql.unsafe(statement);
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
  ctx.log(`scale ${scale}: cortex migrate phase 3 --no-governor`);
  // The engine's raw speed: no governor slowing it down for an application that is not there.
  const run = await cortex(url, ['migrate', 'phase', '3', '--no-governor']);
  // The step's own summary line: copying only (the step then analyzes the filled tables, which a
  // bare INSERT … SELECT would not do either).
  const m = /backfill: (\d+) rows in ([\d.]+) s/.exec(run.stderr + run.stdout);
  if (!m) throw new Error(`no backfill summary in the output of migrate phase 3 at scale ${scale}`);
  const rows = Number(m[1]);
  const backfillMs = Number(m[2]) * 1000;
  ctx.log(`scale ${scale}: ${rows} rows backfilled in ${Math.round(backfillMs)} ms (ceiling ${Math.round(ceilingMs)} ms)`);
  return { scale, db, rows, backfillMs, ceilingMs, peakRssMb: run.peakRssMb };
}
