import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseDatabaseUrl, withDatabase } from '../config/connection.js';
import { openDatabase, type Sql } from '../db/client.js';
import { CortexError, ExitCode } from '../errors.js';
import { loadFixture } from '../fixtures/load.js';
import { stopSignal, throwIfStopped } from '../runner/interrupt.js';
import { ensureLedger } from '../runner/ledger.js';
import { migratePhase, rollbackPhase, type RunEnv, verifyPhase } from '../runner/runner.js';
import { dataHashes } from '../schema/data-hash.js';
import { describeChange, diffCatalogs } from '../schema/diff.js';
import { inspect, userSchemas } from '../schema/inspect.js';
import type { Catalog } from '../schema/model.js';
import { type JunitCase, reportCases, writeJunit } from '../verify/junit.js';
import { storeReport } from '../verify/writers.js';
import { cancelOnSignal, configOf, planOf, progressEvents } from './session.js';
import { action, type CommandContext } from './shell.js';

interface Opts {
  scale?: string;
  seed: string;
  keep: boolean;
  junit?: string;
}

interface State {
  schema: Catalog;
  data: Map<string, string>;
}

// Schema of everything but the ledger, and a content hash of every table of the plan's data
// schemas (the built-in plan: the legacy and whatsapp schemas).
async function state(env: RunEnv): Promise<State> {
  const schemas = (await userSchemas(env.sql)).filter((s) => s !== 'cortex_migration');
  const data = await dataHashes(env.sql, env.plan.manifest.dataSchemas);
  return { schema: await inspect(env.sql, schemas), data };
}

// A phase may ship writes.sql: writes an application makes while the phase is applied (the Cortex
// plan's phase 4: writes on the target, which the way back must keep). Run once after the phase's
// checks; the rollbacks must then keep their effects on the legacy data.
function phaseWrites(env: RunEnv, slug: string): string | undefined {
  const file = join(env.plan.root, 'phases', slug, 'writes.sql');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function compare(before: State, after: State): string[] {
  const out = diffCatalogs(before.schema, after.schema).map(describeChange);
  for (const [t, h] of before.data) if (after.data.get(t) !== h) out.push(`data of ${t} changed`);
  for (const t of after.data.keys()) if (!before.data.has(t)) out.push(`table ${t} appeared`);
  return out;
}

// A case as the Markdown table (and the error line) names it: `phase 3 backfill: down`; the
// final case's name says "all phases" itself.
function label(c: JunitCase): string {
  return c.name.startsWith(c.classname) ? c.name : `${c.classname}: ${c.name}`;
}

async function cycle(ctx: CommandContext, env: RunEnv, cases: JunitCase[]): Promise<void> {
  // The cycle's actions run one after another, each recorded as it ends: a case's time is the
  // time since the previous case (the action and the state snapshots it compares).
  let since = Date.now();
  const record = (classname: string, name: string, problems: string[]) => {
    const now = Date.now();
    cases.push({ classname, name, ok: problems.length === 0, timeMs: now - since, ...(problems.length ? { message: problems.slice(0, 20).join('; ') } : {}) });
    since = now;
  };
  const start = await state(env);
  // The legacy data every rollback must leave: the start's, plus the effects of the phases' writes.
  let kept = start.data;
  // The scratch database is this command's own: a phase that asks for confirmation breaks no one here.
  const confirmed = { confirmed: true };
  for (const phase of env.plan.phases) {
    throwIfStopped();
    const p = phase.number;
    const of = `phase ${p} ${phase.name}`;
    const before = await state(env);
    const up = await migratePhase(env, p, confirmed);
    await storeReport(env.sql, up.runId, up.report);
    record(of, 'up', up.failedStep ? [`${up.failedStep}: ${up.error}`] : []);
    if (up.failedStep) return;
    const v = await verifyPhase(env, p);
    await storeReport(env.sql, v.runId, v.report);
    // One case per check, as the phase's own report has them.
    for (const c of reportCases(v.report, 'verify ')) cases.push(c);
    since = Date.now();
    const writes = phaseWrites(env, phase.slug);
    if (writes) {
      const ran = await env.sql.unsafe(writes).then(() => [], (err: Error) => [`writes.sql: ${err.message}`]);
      const now = await dataHashes(env.sql, env.plan.manifest.dataSchemas);
      // Their purpose is the way back: writes that never reached the plan's data prove nothing.
      const reached = [...now].some(([t, h]) => kept.get(t) !== h) ? [] : [`writes.sql changed no data of ${env.plan.manifest.dataSchemas.join(', ') || '(no data schemas)'}: its writes did not come back`];
      record(of, "the application's writes while it is applied reach the plan's data schemas", [...ran, ...reached]);
      kept = now;
    }
    const down = await rollbackPhase(env, p);
    record(of, 'down', down.failedStep ? [`${down.failedStep}: ${down.error}`] : []);
    if (down.failedStep) return;
    record(of, 'down restores the schema and keeps every write', compare({ schema: before.schema, data: writes ? kept : before.data }, await state(env)));
    const again = await migratePhase(env, p, confirmed);
    await storeReport(env.sql, again.runId, again.report);
    record(of, 'up again', again.failedStep ? [`${again.failedStep}: ${again.error}`] : again.report.status === 'failed' ? ['checks failed'] : []);
    if (again.failedStep) return;
    ctx.out.info(`phase ${p} (${phase.name}): up, verify, down, compare, up again`);
  }
  for (const phase of [...env.plan.phases].reverse()) {
    throwIfStopped();
    const down = await rollbackPhase(env, phase.number);
    if (down.failedStep) {
      record(`phase ${phase.number} ${phase.name}`, 'final down', [`${down.failedStep}: ${down.error}`]);
      return;
    }
  }
  record('all phases', 'all phases down restore the starting schema and keep every write', compare({ schema: start.schema, data: kept }, await state(env)));
}

/** `cortex verify-rollback`: on a scratch database, every phase up → verify → down → compare → up again. */
export function registerVerifyRollback(program: Command): void {
  program
    .command('verify-rollback')
    .description("on a scratch database (created and dropped on the given server): load the plan's fixture (if it has one), then for each phase up, verify, down, compare schema and the data of the plan's data schemas, up again; finally down through all phases and compare with the start")
    .option('--scale <n>', 'fixture scale (default: 0.05 for the built-in plan, 1 for others)')
    .option('--seed <s>', 'fixture seed', '1')
    .option('--keep', 'keep the scratch database (its URL is printed, password masked)', false)
    .option('--junit <file>', "write a JUnit file: one case per action of the cycle (up, each phase's writes, down, compare, up again) and one per check of each phase's verify")
    .action(
      action<Opts>('verify-rollback', async (ctx, opts) => {
        const server = ctx.target();
        const config = configOf(ctx);
        const plan = await planOf(ctx, config);
        const admin = await openDatabase(server, { max: 1 });
        const name = `cortex_vr_${randomBytes(4).toString('hex')}`;
        const target = withDatabase(parseDatabaseUrl(server.url, server.source), name);
        const cases: JunitCase[] = [];
        const events = progressEvents(ctx);
        // Caught before the scratch database exists: a Ctrl-C at any point removes it.
        const release = cancelOnSignal(ctx, events, target, 'and removing the scratch database');
        let sql: Sql | undefined;
        // The archive phase's backups of a scratch database are thrown away with it.
        let backupDir: string | undefined;
        try {
          await admin`create database ${admin(name)}`;
          sql = await openDatabase(target, { max: 4 });
          backupDir = await mkdtemp(join(tmpdir(), 'cortex-vr-'));
          throwIfStopped();
          if (plan.manifest.fixture) {
            const scale = Number(opts.scale ?? (plan.name === 'cortex' ? '0.05' : '1'));
            await loadFixture(sql, plan, { scale, seed: Number(opts.seed), dirty: false, replace: false });
          }
          await ensureLedger(sql);
          const env: RunEnv = {
            sql,
            plan,
            target,
            settings: { lockTimeoutMs: 2000, statementTimeoutMs: 0, lockRetries: 5, options: { skipBackup: true, force: false, backupDir } },
            events: { ...events, stepStart: undefined, stepDone: undefined },
          };
          await cycle(ctx, env, cases);
        } catch (err) {
          // A statement the signal cancelled: reported as the interruption below.
          if (!stopSignal()) throw err;
        } finally {
          events.stop();
          if (backupDir) await rm(backupDir, { recursive: true, force: true });
          await sql?.end({ timeout: 5 });
          if (!opts.keep) await admin`drop database if exists ${admin(name)} with (force)`;
          await admin.end({ timeout: 5 });
          // Only now: a Ctrl-C during the clean-up must not kill the process before the drop.
          release();
        }
        const signal = stopSignal();
        if (signal) {
          throw new CortexError('INTERRUPTED', `interrupted by ${signal} after ${cases.length} case(s); ${opts.keep ? `scratch database kept: ${target.display}` : 'the scratch database was removed'}`);
        }
        const failed = cases.filter((c) => !c.ok);
        const md = [
          `# cortex verify-rollback: ${failed.length === 0 ? 'PASSED' : 'FAILED'}`,
          '',
          '| case | result |',
          '|---|---|',
          ...cases.map((c) => `| ${label(c)} | ${c.ok ? 'passed' : `FAILED: ${(c.message ?? '').replace(/\|/g, '\\|')}`} |`),
          '',
        ].join('\n');
        if (opts.junit) await writeJunit(opts.junit, 'cortex verify-rollback', cases);
        if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, `${md}\n`);
        return {
          data: { database: opts.keep ? target.display : null, cases },
          text: opts.keep ? `${md}\nscratch database kept: ${target.display}` : md,
          ...(failed.length > 0 ? { exitCode: ExitCode.checksFailed, error: { code: 'CHECKS_FAILED', message: `${failed.length} case(s) failed: ${failed.map(label).join(', ')}` } } : {}),
        };
      }),
    );
}
