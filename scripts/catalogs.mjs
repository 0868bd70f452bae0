#!/usr/bin/env node
// Regenerate the generated expectations of the Cortex plan from its own DDL, on a scratch embedded PostgreSQL
// (or CORTEX_TEST_DATABASE_URL's server):
//  - catalog.json of SQL steps (phases 1, 3 and 5 by default, or the list given as first argument): what each creates;
//  - phases/<N>-<slug>/expected-state.json of every phase: what its up changes (the state `cortex diff` checks).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { parseDatabaseUrl } from '../dist/src/config/connection.js';
import { startEmbeddedPostgres } from '../dist/src/db/embedded.js';
import { loadLegacyFixture } from '../dist/src/fixtures/legacy.js';
import { loadCortexPlan } from '../dist/src/plan/loader.js';
import { writePhaseDelta } from '../dist/src/schema/expected.js';
import { computePhaseDeltas, computeStepCatalogs, writeStepCatalogs } from '../dist/src/schema/generate-catalogs.js';

const server = process.env.CORTEX_TEST_DATABASE_URL ? null : await startEmbeddedPostgres();
const adminUrl = process.env.CORTEX_TEST_DATABASE_URL ?? server.url;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
const plan = await loadCortexPlan();

async function scratch(label, work) {
  const name = `cortex_${label}_${process.pid}`;
  await admin`create database ${admin(name)}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 4, onnotice: () => {} });
  try {
    await loadLegacyFixture(sql, { scale: 0.01, seed: 1, dirty: false, replace: false });
    await work(sql, url.toString());
  } finally {
    await sql.end();
    await admin`drop database ${admin(name)}`;
  }
}

try {
  await scratch('catalogs', async (sql) => {
    // Phases are applied in order up to the highest one asked for; catalogs are written for those asked.
    const wanted = new Set((process.argv[2] ?? '1,3,5').split(',').map(Number));
    for (const phase of plan.phases.filter((p) => p.number <= Math.max(...wanted))) {
      const catalogs = await computeStepCatalogs(sql, phase);
      if (!wanted.has(phase.number)) continue;
      for (const f of writeStepCatalogs(phase, catalogs)) console.log(`wrote ${f}`);
    }
  });
  await scratch('state', async (sql, url) => {
    const backupDir = mkdtempSync(join(tmpdir(), 'cortex-catalogs-'));
    try {
      const env = {
        sql,
        plan,
        target: parseDatabaseUrl(url, 'option'),
        settings: { lockTimeoutMs: 5000, statementTimeoutMs: 0, lockRetries: 5, options: { skipBackup: true, force: false, backupDir } },
      };
      const deltas = await computePhaseDeltas(env);
      for (const d of deltas) console.log(`wrote ${writePhaseDelta(plan, plan.phases[d.phase - 1], d)}`);
    } finally {
      rmSync(backupDir, { recursive: true, force: true });
    }
  });
} finally {
  await admin.end();
  await server?.stop();
}
