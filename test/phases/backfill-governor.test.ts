// The governor's holds, end to end on a running `cortex migrate phase 3` (a child process): a
// DBA's throttle query that returns true holds the backfill before any batch commits, until a row
// it reads flips; `cortex backfill pause`, run as a separate CLI process, holds it within one
// batch, status shows it, and `resume` lets it finish with parity; the report records the time held.
import { type ChildProcess, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { createDatabase, dropDatabase, type TestDatabase } from '../helpers/db.js';
import { countParity } from '../helpers/parity.js';

interface Run {
  child: ChildProcess;
  exited: Promise<number | null>;
  out: () => { stdout: string; stderr: string };
}

function phase3(db: TestDatabase, extra: string[]): Run {
  const child = spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', db.url, '--json', 'migrate', 'phase', '3', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', CORTEX_GOVERNOR: 'on' } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return { child, exited: new Promise((r) => child.once('exit', r)), out: () => ({ stdout, stderr }) };
}

async function until(what: string, check: () => Promise<boolean> | boolean, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function prepared(prefix: string, scale: number): Promise<TestDatabase> {
  const db = await createDatabase(prefix);
  await loadLegacyFixture(db.sql, { scale, seed: 5, dirty: false, replace: false });
  for (const n of ['1', '2']) {
    const r = await runCli(['--database-url', db.url, 'migrate', 'phase', n]);
    if (r.code !== 0) throw new Error(`phase ${n}: ${r.stderr.slice(-400)}`);
  }
  return db;
}

const copied = async (db: TestDatabase) => {
  const [c] = await db.sql<{ rows: string; batches: string }[]>`
    select coalesce(sum(rows_done), 0)::text as rows, coalesce(sum(batches), 0)::text as batches from cortex_migration.backfill_checkpoints`
    .catch(() => [{ rows: '0', batches: '0' }]);
  return { rows: Number(c!.rows), batches: Number(c!.batches) };
};

describe('the governor holds a running backfill', () => {
  it('a throttle query that returns true holds it, with no batch committed, until a row it reads flips', async () => {
    const db = await prepared('bfg_tq', 0.1);
    try {
      await db.sql`create schema ops`;
      await db.sql`create table ops.gate (hold boolean not null)`;
      await db.sql`insert into ops.gate values (true)`;
      const run = phase3(db, ['--throttle-query', 'select hold from ops.gate']);
      await until('the progress line saying it holds', () => run.out().stderr.includes('holding: throttle query returns true'));
      // Held for a while: still no batch.
      await new Promise((r) => setTimeout(r, 1500));
      expect((await copied(db)).batches).toBe(0);
      const line = run.out().stderr.split('\n').find((l) => l.includes('holding: throttle query returns true'))!;
      expect(line).toMatch(/^\S+ \(table 1\/22\) 0\/[\d,]+ \(0%\) 0 rows\/s, holding: throttle query returns true; all tables /);
      await db.sql`update ops.gate set hold = false`;
      expect(await run.exited, run.out().stderr.slice(-600)).toBe(0);
      for (const r of await countParity(db)) expect(r.target + r.q, r.t).toBe(r.legacy);
      // The report: the step was held, and for what.
      const report = JSON.parse(run.out().stdout).data.report;
      const step = report.steps.find((s: { id: string }) => s.id === '3-backfill/010-backfill-rows');
      expect(step.throttled.byReason['throttle query']).toBeGreaterThanOrEqual(1500);
      expect(step.throttled.ms).toBeGreaterThanOrEqual(step.throttled.byReason['throttle query']);
      expect(run.out().stderr).toMatch(/backfill: \d+ rows in [\d.]+ s \(\d+ rows\/s\); throttled [\d.]+ s \(.*throttle query [\d.]+ s/);
    } finally {
      await dropDatabase(db);
    }
  }, 180_000);

  it('cortex backfill pause from another process holds it within one batch; status shows it; resume lets it finish', async () => {
    const db = await prepared('bfg_p', 0.3);
    try {
      const cli = (args: string[]) => runCli(['--database-url', db.url, ...args], { timeoutMs: 60_000 });
      const run = phase3(db, ['--batch-size', '500', '--max-rows-per-second', '4000']);
      await until('a few batches', async () => (await copied(db)).rows >= 3000);
      const paused = await cli(['backfill', 'pause', '--reason', 'index rebuild']);
      expect(paused.code, paused.stderr).toBe(0);
      expect(paused.stdout).toMatch(/^paused by \S+ \(index rebuild\): running batched work holds before its next batch; resume with: cortex backfill resume$/m);
      const atPause = await copied(db);
      // Within one batch: at most the batch in flight commits after the pause.
      await until('the progress line saying it holds', () => run.out().stderr.includes('holding: paused by'));
      await new Promise((r) => setTimeout(r, 2000));
      const held = await copied(db);
      expect(held.batches - atPause.batches).toBeLessThanOrEqual(1);
      expect(held.rows - atPause.rows).toBeLessThanOrEqual(500);
      expect(run.out().stderr).toMatch(/holding: paused by \S+ \(index rebuild\)/);

      // status: paused, by whom and why, and the running governor holding.
      const st = JSON.parse((await cli(['--json', 'status'])).stdout).data;
      expect(st.governor.pause).toMatchObject({ paused: true, reason: 'index rebuild' });
      await until('status to show the governor holding', async () => {
        const s = JSON.parse((await cli(['--json', 'status'])).stdout).data;
        return s.governor.running.some((g: { state: { holding: boolean; reason: string } }) => g.state.holding && g.state.reason.startsWith('paused by'));
      }, 20);
      const text = (await cli(['status'])).stdout;
      expect(text).toMatch(/^batched work: PAUSED by \S+ at \S+ \(index rebuild\); resume with: cortex backfill resume$/m);
      expect(text).toMatch(/^governor \(\S+ pid \d+\): [\d,]+ rows\/s, batch [\d,]+, holding: paused by \S+ \(index rebuild\)/m);

      const resumed = await cli(['--json', 'backfill', 'resume']);
      expect(resumed.code).toBe(0);
      expect(JSON.parse(resumed.stdout).data).toMatchObject({ paused: false, running: true });
      expect(await run.exited, run.out().stderr.slice(-600)).toBe(0);
      expect((await copied(db)).rows).toBeGreaterThan(held.rows);
      const report = JSON.parse(run.out().stdout).data.report;
      const step = report.steps.find((s: { id: string }) => s.id === '3-backfill/010-backfill-rows');
      expect(step.throttled.byReason.paused).toBeGreaterThanOrEqual(2000);
      for (const r of await countParity(db)) {
        expect(r.target, r.t).toBe(r.legacy);
        expect(r.q, r.t).toBe(0);
      }
      // Content parity: phases 4 and 5 (which validates content) pass.
      for (const n of ['4', '5']) {
        const r = await cli(['migrate', 'phase', n]);
        expect(r.code, r.stderr.slice(-600)).toBe(0);
      }
      const after = (await cli(['status'])).stdout;
      expect(after).toMatch(/^batched work: running freely \(resumed by \S+ at \S+\)$/m);
    } finally {
      await dropDatabase(db);
    }
  }, 300_000);

  it('pause with nothing running is allowed and says the next backfill will hold; resume clears it', async () => {
    const db = await createDatabase('bfg_idle');
    try {
      const cli = (args: string[]) => runCli(['--database-url', db.url, ...args]);
      const p = await cli(['--json', 'backfill', 'pause']);
      expect(p.code, p.stderr).toBe(0);
      expect(JSON.parse(p.stdout).data).toMatchObject({ paused: true, reason: null, running: false });
      const text = await cli(['backfill', 'pause', '--reason', 'night']);
      expect(text.stdout).toMatch(/^paused by \S+ \(night\): no batched work is running now; the next backfill holds before its first batch until: cortex backfill resume$/m);
      const [row] = await db.sql<{ paused: boolean; db_user: string }[]>`select paused, db_user from cortex_migration.batch_control`;
      expect(row).toMatchObject({ paused: true, db_user: 'postgres' });
      const r = await cli(['backfill', 'resume']);
      expect(r.stdout).toMatch(/^resumed by \S+: no batched work is running now; the next one runs freely$/m);
      expect((await db.sql<{ paused: boolean }[]>`select paused from cortex_migration.batch_control`)[0]!.paused).toBe(false);
    } finally {
      await dropDatabase(db);
    }
  });
});
