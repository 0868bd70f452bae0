import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';

// A one-phase plan whose second step (transactional, or not) writes a row and then sleeps while
// public.nap_gate is closed.
function nappingPlan(transactional: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'cortex-restart-'));
  const file = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  file('phases/1-nap/phase.json', '{ "name": "nap" }');
  file('migrations/1-nap/001-create-table/up.sql', 'create table public.nap_done (id int);\ncreate table public.nap_gate (closed boolean);\ninsert into public.nap_gate values (true);');
  file('migrations/1-nap/001-create-table/down.sql', 'drop table public.nap_done;\ndrop table public.nap_gate;');
  file('migrations/1-nap/001-create-table/verify.sql', "select 'table' as id, to_regclass('public.nap_done') is not null as ok");
  file('migrations/1-nap/002-nap/up.sql', 'insert into public.nap_done values (1);\nselect pg_sleep(60) from public.nap_gate where closed;');
  file('migrations/1-nap/002-nap/down.sql', 'delete from public.nap_done;');
  file('migrations/1-nap/002-nap/verify.sql', "select 'row' as id, exists (select 1 from public.nap_done) as ok");
  if (!transactional) file('migrations/1-nap/002-nap/step.json', '{ "transactional": false }');
  return root;
}

// The server is this file's own: restarting it disturbs no other test.
let server: EmbeddedServer | undefined;
beforeAll(async () => {
  server = await startEmbeddedPostgres();
});
afterAll(async () => {
  await server?.stop();
});

async function withDatabase<T>(name: string, fn: (url: string) => Promise<T>): Promise<T> {
  const admin = postgres(server!.url, { max: 1, onnotice: () => {} });
  await admin`create database ${admin(name)}`;
  await admin.end();
  return fn(server!.url.replace(/\/postgres$/, `/${name}`));
}

type Watch = postgres.Sql;

// Step 002 of the napping plan sleeps.
const napping = async (watch: Watch) => {
  const [r] = await watch<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where query like '%pg_sleep(60)%' and pid <> pg_backend_pid()`;
  return r!.n > 0;
};

/**
 * Run the CLI with `args` (after `--database-url url --json`); once `ready` says so, shut the
 * server down (fast, as a restart does) and start it again at once, or only after the CLI has
 * exited (`downUntilExit`).
 */
async function restartDuring(url: string, args: string[], ready: (watch: Watch) => Promise<boolean>, downUntilExit = false) {
  const child = spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', url, '--json', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const watch = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (let i = 0; i < 400 && !(await ready(watch)); i++) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await watch.end({ timeout: 1 });
  }
  let code: number | null;
  if (downUntilExit) {
    await server!.restart(async () => {
      code = await exited;
    });
  } else {
    await server!.restart();
    code = await exited;
  }
  return { code: code!, stdout, stderr };
}

async function ledger(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const steps = await sql<{ step_id: string; status: string; error: string | null }[]>`select step_id, status, error from cortex_migration.steps order by step_id`;
    const fails = await sql<{ step_id: string }[]>`select step_id from cortex_migration.events where direction = 'fail'`;
    const [rows] = await sql<{ n: number }[]>`select count(*)::int as n from public.nap_done`;
    return { steps, fails: fails.map((f) => f.step_id), rows: rows!.n };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function openGate(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql`update public.nap_gate set closed = false`;
  await sql.end({ timeout: 1 });
}

// Some batch of the backfill has committed: the step now pauses before the next one.
const batchCommitted = async (watch: Watch) => {
  const [r] = await watch<{ n: number }[]>`select count(*)::int as n from cortex_migration.backfill_checkpoints where batches > 0`
    .catch(() => [{ n: 0 }]); // its table is created by the phase's first step
  return r!.n > 0;
};

const LOST = /^step 1-nap\/002-nap interrupted: connection to the server lost \(.+\); the server rolled back the step's open transaction; rerun the same command to resume/;

describe('a server restart during a step', () => {
  it('a transactional step: exit 7 saying the connection was lost and a rerun resumes; recorded as interrupted', async () => {
    await withDatabase('restart_tx', async (url) => {
      const plan = nappingPlan(true);
      const r = await restartDuring(url, ['--plan', plan, 'migrate', 'phase', '1'], napping);
      expect(r.code, r.stderr).toBe(7);
      const env = JSON.parse(r.stdout);
      expect(env.error.code).toBe('CONNECTION_LOST');
      expect(env.error.message).toMatch(LOST);
      expect(env.error.message).not.toContain('not recorded');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const l = await ledger(url);
      expect(l.rows).toBe(0);
      expect(l.fails).toEqual(['1-nap/002-nap']);
      expect(l.steps.find((s) => s.step_id === '1-nap/002-nap')).toMatchObject({ status: 'failed', error: expect.stringMatching(/^interrupted: connection to the server lost/) });
      const st = JSON.parse((await runCli(['--database-url', url, '--plan', plan, '--json', 'status'])).stdout).data;
      expect(st.phases[0].steps[1]).toMatchObject({ state: 'failed', error: expect.stringMatching(/^interrupted: /) });
      await openGate(url);
      const rerun = await runCli(['--database-url', url, '--plan', plan, 'migrate', 'phase', '1']);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect((await ledger(url)).rows).toBe(1);
    });
  });

  it('a server that stays down: still one line and exit 7 (not INTERNAL); a non-transactional step keeps its interrupted mark', async () => {
    await withDatabase('restart_down', async (url) => {
      const plan = nappingPlan(false);
      const r = await restartDuring(url, ['--plan', plan, 'migrate', 'phase', '1'], napping, true);
      expect(r.code, r.stderr).toBe(7);
      const env = JSON.parse(r.stdout);
      expect(env.error.code).toBe('CONNECTION_LOST');
      expect(env.error.message).toMatch(LOST);
      expect(env.error.message).toContain('(not recorded in the ledger: the server did not answer again within 15 s)');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      // Back up: the mark the step left before it began says it was interrupted.
      const l = await ledger(url);
      expect(l.steps.find((s) => s.step_id === '1-nap/002-nap')).toMatchObject({ status: 'failed', error: expect.stringMatching(/^interrupted: started /) });
      await openGate(url);
      const rerun = await runCli(['--database-url', url, '--plan', plan, 'migrate', 'phase', '1']);
      expect(rerun.code, rerun.stderr).toBe(0);
    });
  }, 120_000);

  it('the backfill, restarted while it pauses between batches: exit 7, not a crash; recorded as interrupted; a rerun completes', async () => {
    await withDatabase('restart_backfill', async (url) => {
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await loadLegacyFixture(sql as never, { scale: 0.02, seed: 7, dirty: false, replace: false });
      } finally {
        await sql.end({ timeout: 1 });
      }
      for (const n of ['1', '2']) {
        const r = await runCli(['--database-url', url, 'migrate', 'phase', n]);
        expect(r.code, r.stderr.slice(-400)).toBe(0);
      }
      // The restart comes within the first pause: the step's connection closes while no statement
      // runs on it, and the next batch's first statement would be written to the closed socket.
      const r = await restartDuring(url, ['migrate', 'phase', '3', '--batch-size', '1', '--batch-delay', '3000'], batchCommitted);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.code, r.stderr.slice(-600)).toBe(7);
      const env = JSON.parse(r.stdout);
      expect(env.error.code).toBe('CONNECTION_LOST');
      expect(env.error.message).toMatch(/^step 3-backfill\/010-backfill-rows interrupted: connection to the server lost \(.+\); the server rolled back the step's open transaction; rerun the same command to resume$/);
      const st = JSON.parse((await runCli(['--database-url', url, '--json', 'status'])).stdout).data;
      expect(st.phases[2].steps.find((s: { id: string }) => s.id === '3-backfill/010-backfill-rows'))
        .toMatchObject({ state: 'failed', error: expect.stringMatching(/^interrupted: connection to the server lost/) });
      const rerun = await runCli(['--database-url', url, 'migrate', 'phase', '3']);
      expect(rerun.code, rerun.stderr.slice(-400)).toBe(0);
    });
  });
});
