#!/usr/bin/env node
// Regenerate the generated expectations of a plan (the built-in Cortex plan, or `--plan <dir>`)
// from its own DDL, on a scratch embedded PostgreSQL (or CORTEX_TEST_DATABASE_URL's server),
// holding the plan's fixture if it has one:
//  - catalog.json of SQL steps: what each creates. The Cortex plan: phases 1, 3 and 5 unless a list
//    is given (`npm run catalogs -- 1,3`); any other plan: every SQL step that creates something,
//    and every step that already has one;
//  - phases/<N>-<slug>/expected-state.json of every phase: what its up changes (the state `cortex diff` checks).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { parseDatabaseUrl } from '../dist/src/config/connection.js';
import { startEmbeddedPostgres } from '../dist/src/db/embedded.js';
import { loadFixture } from '../dist/src/fixtures/load.js';
import { loadCortexPlan, loadPlan } from '../dist/src/plan/loader.js';
import { inspect } from '../dist/src/schema/inspect.js';
import { portable } from '../dist/src/schema/step-catalog.js';
import { writePhaseDelta } from '../dist/src/schema/expected.js';
import { computePhaseDeltas, computeStepCatalogs, writeStepCatalogs } from '../dist/src/schema/generate-catalogs.js';

const { values, positionals } = parseArgs({ options: { plan: { type: 'string' } }, allowPositionals: true });
const plan = values.plan ? await loadPlan(resolve(values.plan)) : await loadCortexPlan();
const builtIn = !values.plan;

const server = process.env.CORTEX_TEST_DATABASE_URL ? null : await startEmbeddedPostgres();
const adminUrl = process.env.CORTEX_TEST_DATABASE_URL ?? server.url;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });

async function scratch(label, work) {
  const name = `cortex_${label}_${process.pid}`;
  await admin`create database ${admin(name)}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 4, onnotice: () => {} });
  try {
    if (plan.manifest.fixture) {
      await loadFixture(sql, plan, { scale: builtIn ? 0.01 : 1, seed: 1, dirty: false, replace: false });
    }
    await work(sql, url.toString());
  } finally {
    await sql.end();
    await admin`drop database ${admin(name)}`;
  }
}

// Which steps get a catalog.json: the Cortex plan's chosen phases; elsewhere those that create something.
const wanted = positionals[0] ? new Set(positionals[0].split(',').map(Number)) : builtIn ? new Set([1, 3, 5]) : null;
const keep = (step, snap) => !wanted ? snap.objects.length > 0 || existsSync(join(step.dir, 'catalog.json')) : true;

try {
  await scratch('catalogs', async (sql) => {
    // Phases are applied in order up to the highest one asked for; catalogs are written for those asked.
    const last = wanted ? Math.max(...wanted) : plan.phases.length;
    const computed = [];
    for (const phase of plan.phases.filter((p) => p.number <= last)) {
      const catalogs = await computeStepCatalogs(sql, phase);
      if (wanted && !wanted.has(phase.number)) continue;
      for (const [id, snap] of catalogs) if (!keep(phase.steps.find((s) => s.id === id), snap)) catalogs.delete(id);
      computed.push([phase, catalogs]);
    }
    // A step's verify checks its objects as it made them: one a later step changes or drops (a
    // column made NOT NULL by a later phase) would fail it once that step runs. Such objects are
    // left to the phases' expected state, which follows them through every change.
    const final = await inspect(sql);
    const canonical = (o) => JSON.stringify([o.kind, o.name, Object.entries(o.attrs).sort(([a], [b]) => a.localeCompare(b))]);
    const same = (o) => {
      const now = final.objects.get(`${o.kind}:${o.name}`);
      return now !== undefined && canonical(portable(now)) === canonical(o);
    };
    for (const [phase, catalogs] of computed) {
      for (const snap of catalogs.values()) snap.objects = snap.objects.filter(same);
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
