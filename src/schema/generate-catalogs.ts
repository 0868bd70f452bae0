import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sql } from '../db/client.js';
import { reserveSession } from '../db/session.js';
import type { Phase, RunSettings } from '../plan/model.js';
import { ensureLedger } from '../runner/ledger.js';
import { migratePhase, type RunEnv } from '../runner/runner.js';
import { storeReport } from '../verify/writers.js';
import { type PhaseDelta, phaseDelta } from './expected.js';
import { diffCatalogs } from './diff.js';
import { inspect } from './inspect.js';
import { catalogOf, type Snapshot, toSnapshot } from './model.js';
import { isPortable, portable, STEP_CATALOG_FILE } from './step-catalog.js';

const settings: RunSettings = { lockTimeoutMs: 5000, statementTimeoutMs: 0, lockRetries: 0, options: {} };

/**
 * Apply each SQL step of `phase` in turn on a scratch database and record the objects its up.sql
 * created: the expected catalog its verify checks against. Leaves the steps applied.
 */
export async function computeStepCatalogs(sql: Sql, phase: Phase): Promise<Map<string, Snapshot>> {
  await ensureLedger(sql);
  const out = new Map<string, Snapshot>();
  for (const step of phase.steps) {
    const before = await inspect(sql);
    if (step.transactional) {
      await sql.begin(async (tx) => step.up({ sql: tx as unknown as Sql, settings, log: () => {} }));
    } else {
      const conn = await reserveSession(sql);
      try {
        await step.up({ sql: conn, settings, log: () => {} });
      } finally {
        conn.release();
      }
    }
    const after = await inspect(sql);
    if (!step.dir || step.name.includes('backfill')) continue;
    const added = diffCatalogs(before, after)
      .filter((c) => c.op === '+' && isPortable(c))
      .map((c) => portable(after.objects.get(`${c.kind}:${c.name}`)!));
    out.set(step.id, toSnapshot(catalogOf([...new Set(added.map((o) => o.schema))], added)));
  }
  return out;
}

/** Write each step's catalog.json next to its SQL. */
export function writeStepCatalogs(phase: Phase, catalogs: Map<string, Snapshot>): string[] {
  const written: string[] = [];
  for (const step of phase.steps) {
    const snap = catalogs.get(step.id);
    if (!step.dir || !snap) continue;
    const file = join(step.dir, STEP_CATALOG_FILE);
    writeFileSync(file, `${JSON.stringify(snap, null, 1)}\n`);
    written.push(file);
  }
  return written;
}

/**
 * Apply every phase of the plan through the runner on a scratch database holding the legacy
 * fixture, and record what each phase changes in the catalog: the expected state `cortex diff` checks.
 */
export async function computePhaseDeltas(env: RunEnv): Promise<PhaseDelta[]> {
  // The ledger is the engine's, not a phase's (diff leaves it out): it exists before the first inspect.
  await ensureLedger(env.sql);
  let before = await inspect(env.sql);
  const deltas: PhaseDelta[] = [];
  for (const phase of env.plan.phases) {
    // A scratch database: the archive's confirmation protects an application, and none uses it.
    const run = await migratePhase(env, phase.number, { confirmed: true });
    if (run.failedStep) throw new Error(`phase ${phase.number}: ${run.failedStep}: ${run.error}`);
    await storeReport(env.sql, run.runId, run.report);
    const after = await inspect(env.sql);
    deltas.push(phaseDelta(phase, before, after));
    before = after;
  }
  return deltas;
}
