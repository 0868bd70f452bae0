#!/usr/bin/env node
// Regenerate the catalog.json of SQL steps (phases 1, 3 and 5 by default) from their DDL: applies phase 1 on a scratch
// embedded PostgreSQL (or CORTEX_TEST_DATABASE_URL's server) and records what each step creates.
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../dist/src/db/embedded.js';
import { loadLegacyFixture } from '../dist/src/fixtures/legacy.js';
import { loadCortexPlan } from '../dist/src/plan/loader.js';
import { computeStepCatalogs, writeStepCatalogs } from '../dist/src/schema/generate-catalogs.js';

const server = process.env.CORTEX_TEST_DATABASE_URL ? null : await startEmbeddedPostgres();
const adminUrl = process.env.CORTEX_TEST_DATABASE_URL ?? server.url;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
const name = `cortex_catalogs_${process.pid}`;
await admin`create database ${admin(name)}`;
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
try {
  await loadLegacyFixture(sql, { scale: 0.01, seed: 1, dirty: false, replace: false });
  const plan = await loadCortexPlan();
  // Phases are applied in order up to the highest one asked for; catalogs are written for those asked.
  const wanted = new Set((process.argv[2] ?? '1,3,5').split(',').map(Number));
  for (const phase of plan.phases.filter((p) => p.number <= Math.max(...wanted))) {
    const catalogs = await computeStepCatalogs(sql, phase);
    if (!wanted.has(phase.number)) continue;
    for (const f of writeStepCatalogs(phase, catalogs)) console.log(`wrote ${f}`);
  }
} finally {
  await sql.end();
  await admin`drop database ${admin(name)}`;
  await admin.end();
  await server?.stop();
}
