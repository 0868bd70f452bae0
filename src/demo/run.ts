import { join, resolve } from 'node:path';
import { parseDatabaseUrl } from '../config/connection.js';
import { openDatabase, type Sql } from '../db/client.js';
import type { EmbeddedServer } from '../db/embedded.js';
import { loadLegacyFixture } from '../fixtures/legacy.js';
import { loadCortexPlan } from '../plan/loader.js';
import { ensureLedger } from '../runner/ledger.js';
import { migratePhase, type RunEnv, type RunnerEvents } from '../runner/runner.js';
import { prepareReportsDir, storeReport, writeReportFiles } from '../verify/writers.js';
import { type AppWriter, startAppWriter, type WriterStats } from './app-writer.js';

/** One phase of the demo as printed. */
export interface DemoPhase {
  number: number;
  name: string;
  status: 'passed' | 'failed';
  checks: number;
  failedChecks: string[];
  seconds: number;
  report: string;
}

/** What a whole demo run did. */
export interface DemoResult {
  legacyRows: number;
  whatsappRows: number;
  migratedRows: number;
  quarantined: number;
  app: WriterStats;
  phases: DemoPhase[];
  seconds: number;
  reportsDir: string;
}

/** Options of a demo run. */
export interface DemoOptions {
  scale: number;
  reportsDir: string;
  say(line: string): void;
  events: RunnerEvents;
}

/**
 * Load the fixture into the embedded server's `postgres` database and run phases 1–6, with the
 * simulated application writing the legacy tables from phase 3 (backfill) through phase 5. The
 * application stops before the archive phase, as a real cut-over would point it at the target.
 */
export async function runDemo(server: EmbeddedServer, o: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const target = parseDatabaseUrl(server.url, 'option');
  const sql = await openDatabase(target, { max: 4 });
  const appSql = await openDatabase(target, { max: 2 });
  let app: AppWriter | undefined;
  let appStats: WriterStats = { writes: 0, failed: 0 };
  const reportsDir = resolve(o.reportsDir, `demo-${new Date(started).toISOString().replace(/[:.]/g, '-')}`);
  try {
    await prepareReportsDir(reportsDir);
    o.say(`loading the legacy fixture (scale ${o.scale})`);
    const fixture = await loadLegacyFixture(sql, { scale: o.scale, seed: 1, dirty: false, replace: false });
    o.say(`  ${fixture.totalRows} legacy rows in ${fixture.tables.length} tables`);
    await ensureLedger(sql);

    const plan = await loadCortexPlan();
    const env: RunEnv = {
      sql,
      plan,
      target,
      settings: { lockTimeoutMs: 2000, statementTimeoutMs: 0, lockRetries: 5, options: { skipBackup: true, backupDir: join(server.dir, 'backups') } },
      events: o.events,
    };
    const phases: DemoPhase[] = [];
    let migratedRows = 0;
    for (const phase of plan.phases) {
      if (phase.number === 3) {
        app = startAppWriter(appSql as Sql);
        o.say('the application starts writing contacts and tasks (2 connections)');
      }
      if (phase.number === 6 && app) {
        appStats = await app.stop();
        app = undefined;
        o.say(`the application stops before the archive: ${appStats.writes} writes, ${appStats.failed} failed`);
      }
      const t0 = Date.now();
      // The demo's application has stopped (above) and its server is a throwaway: the demo
      // itself confirms the phases that ask for it (the archive).
      const run = await migratePhase(env, phase.number, { confirmed: true });
      await storeReport(sql, run.runId, run.report);
      const files = await writeReportFiles(run.report, reportsDir);
      const failedChecks = run.report.steps.flatMap((s) => s.checks.filter((c) => c.status === 'failed').map((c) => `${s.id}: ${c.id}${c.details ? ` (${c.details})` : ''}`));
      if (phase.number === 3) migratedRows = run.report.steps.reduce((n, s) => n + (s.id.endsWith('backfill-rows') ? (s.rows ?? 0) : 0), 0);
      const p: DemoPhase = {
        number: phase.number,
        name: phase.name,
        status: run.failedStep || run.report.status === 'failed' ? 'failed' : 'passed',
        checks: run.report.summary.passed + run.report.summary.failed + run.report.summary.warnings,
        failedChecks: run.failedStep ? [`${run.failedStep}: ${run.error}`, ...failedChecks] : failedChecks,
        seconds: (Date.now() - t0) / 1000,
        report: files.markdown,
      };
      phases.push(p);
      o.say(`phase ${p.number} ${p.name} … ${p.status} (${p.checks} checks, ${p.seconds.toFixed(1)} s)`);
      for (const f of p.failedChecks.slice(0, 5)) o.say(`  failed: ${f}`);
      if (p.status === 'failed') break;
    }
    if (app) appStats = await app.stop();
    app = undefined;
    const [q] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.quarantine`;
    return {
      legacyRows: fixture.totalRows,
      whatsappRows: fixture.tables.filter((t) => t.schema === 'whatsapp').reduce((n, t) => n + t.rows, 0),
      migratedRows,
      quarantined: q?.n ?? 0,
      app: appStats,
      phases,
      seconds: (Date.now() - started) / 1000,
      reportsDir,
    };
  } finally {
    await app?.stop().catch(() => {});
    await appSql.end({ timeout: 2 });
    await sql.end({ timeout: 2 });
  }
}
