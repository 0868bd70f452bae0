// A rollback stopped inside a non-transactional step (plan 002's batched backfill down, which
// commits batch by batch): the step may be partly rolled back, so the ledger must not go on
// calling it applied. Ctrl-C and kill -9, then the two ways out: roll back again, or migrate again.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { type TestDatabase, useFreshDatabase, waitForNoRun } from '../helpers/db.js';

const PLAN = packagePath('fixtures', 'plans', '002-aurora-merge');
const STEP = '2-backfill/003-backfill-org-id';
const reports = mkdtempSync(join(tmpdir(), 'cortex-rbi-'));
// Small, paced batches: the down takes tens of seconds at scale 20, time enough to stop it.
const SLOW = join(reports, 'slow.json');
writeFileSync(SLOW, JSON.stringify({ backfill: { batchSize: 100, batchDelayMs: 50 } }));

const cli = (db: TestDatabase, args: string[]) =>
  runCli(['--database-url', db.url, '--plan', PLAN, '--reports-dir', reports, ...args], { timeoutMs: 90_000 });

function slowRollback(db: TestDatabase): ChildProcess {
  return spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', db.url, '--plan', PLAN, '--reports-dir', reports,
    '--config', SLOW, 'rollback', 'phase', '2', '--yes'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
}

// Wait until the down has put some messages back to no organisation (it has committed batches).
async function untilPartlyRolledBack(db: TestDatabase): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const [r] = await db.sql<{ n: number }[]>`select count(*)::int as n from public.messages where org_id is null`;
    if (r!.n >= 1000) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('the rollback never got going');
}

async function orgState(db: TestDatabase) {
  const [r] = await db.sql<{ nulls: number; defaults: number }[]>`
    select (select count(*)::int from public.messages where org_id is null) as nulls,
           (select count(*)::int from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
             where a.attname = 'org_id' and d.adrelid in ('public.users'::regclass, 'public.conversations'::regclass, 'public.messages'::regclass)) as defaults`;
  return r!;
}

async function statusOf(db: TestDatabase) {
  const json = JSON.parse((await cli(db, ['--json', 'status'])).stdout).data;
  const phase = json.phases.find((p: { number: number }) => p.number === 2);
  const step = phase.steps.find((s: { id: string }) => s.id === STEP);
  return { phase: phase.state as string, step: step as { state: string; error?: string }, text: (await cli(db, ['status'])).stdout };
}

const NOTE = /; it may be partly rolled back \(rollback phase 2 again to finish it, or migrate phase 2 again to re-apply it\)$/;

describe('an interrupted rollback of a non-transactional step', () => {
  const db = useFreshDatabase('rbi');

  it('Ctrl-C: the step is failed with a note, not applied; migrate phase 2 again re-applies it', async () => {
    expect((await cli(db(), ['fixtures', 'load', '--scale', '20'])).code).toBe(0);
    for (const n of ['1', '2']) expect((await cli(db(), ['migrate', 'phase', n])).code).toBe(0);
    const child = slowRollback(db());
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    await untilPartlyRolledBack(db());
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stdout).toContain(`step ${STEP} stopped and is marked failed`);
    const after = await orgState(db());
    expect(after.defaults).toBe(0);
    expect(after.nulls).toBeGreaterThan(0);
    const st = await statusOf(db());
    expect(st.phase).toBe('failed');
    expect(st.step.state).toBe('failed');
    expect(st.step.error).toMatch(/^rollback interrupted by SIGINT: /);
    expect(st.step.error).toMatch(NOTE);
    expect(st.text).toMatch(/phase 2 backfill +failed/);
    expect(st.text).toMatch(new RegExp(`failed +${STEP} .*may be partly rolled back`));

    const again = await cli(db(), ['migrate', 'phase', '2']);
    expect(again.code, again.stderr.slice(-600)).toBe(0);
    expect(await orgState(db())).toEqual({ nulls: 0, defaults: 3 });
    expect((await statusOf(db())).phase).toBe('applied');
  }, 120_000);

  it('kill -9: running while it runs, then failed with a note; rollback phase 2 again finishes it', async () => {
    const child = slowRollback(db());
    await untilPartlyRolledBack(db());
    expect((await statusOf(db())).step.state).toBe('running');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await waitForNoRun(db().sql);
    const st = await statusOf(db());
    expect(st.phase).toBe('failed');
    expect(st.step.state).toBe('failed');
    expect(st.step.error).toMatch(/^interrupted: rollback started /);
    expect(st.step.error).toMatch(NOTE);

    const finish = await cli(db(), ['rollback', 'phase', '2', '--yes']);
    expect(finish.code, finish.stderr.slice(-600)).toBe(0);
    const [{ total }] = await db().sql<{ total: number }[]>`select count(*)::int as total from public.messages`;
    expect(await orgState(db())).toEqual({ nulls: total, defaults: 0 });
    const [o] = await db().sql<{ n: number }[]>`select count(*)::int as n from public.organizations`;
    expect(o!.n).toBe(0);
    expect((await statusOf(db())).phase).toBe('pending');
    expect((await cli(db(), ['migrate', 'phase', '2'])).code).toBe(0);
  }, 120_000);
});
