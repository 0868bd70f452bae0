import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';
import { copySamplePlan } from '../helpers/plan.js';

// The sample plan with a phase 3 that must be confirmed, and a step whose check.sql refuses it
// while public.gamma_blocked has a row.
function confirmingPlan(): string {
  const root = copySamplePlan();
  writeFileSync(join(root, 'phases', '3-gamma', 'phase.json'), JSON.stringify({
    name: 'gamma',
    description: 'data, with a step that fails until sample.gate allows it',
    down: 'deletes the seeded rows',
    confirm: 'writes rows the application reads',
  }));
  const step = join(root, 'migrations', '3-gamma', '000-check-gate');
  mkdirSync(step);
  writeFileSync(join(step, 'check.sql'), "do $$ begin if exists (select 1 from public.gamma_blocked) then raise exception 'gamma is blocked'; end if; end $$;");
  writeFileSync(join(step, 'up.sql'), 'select 1;');
  writeFileSync(join(step, 'down.sql'), 'select 1;');
  writeFileSync(join(step, 'verify.sql'), "select 'not-blocked' as id, not exists (select 1 from public.gamma_blocked) as ok");
  return root;
}

const db = useFreshDatabase('conf');
const plan = confirmingPlan();
const cli = (args: string[]) => runCli(['--database-url', db().url, '--plan', plan, ...args]);

async function seeded(): Promise<number> {
  const [r] = await db().sql<{ n: number }[]>`select count(*)::int as n from sample.items where id between 1 and 100`;
  return r!.n;
}

async function phaseStates(): Promise<string[]> {
  const st = JSON.parse((await cli(['--json', 'status'])).stdout);
  return st.data.phases.map((p: { state: string }) => p.state);
}

// Run the CLI on a pseudo-terminal (util-linux `script`), answering `answer` once the prompt is up.
function onTerminal(args: string[], answer: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, packagePath('bin', 'cortex'), '--database-url', db().url, '--plan', plan, ...args]
    .map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  let answered = false;
  child.stdout.on('data', (d) => {
    output += d;
    if (!answered && output.includes('[y/N]')) {
      answered = true;
      child.stdin.write(`${answer}\n`);
    }
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('phases that must be confirmed, and refusals before confirmations', () => {
  it('migrate all without --yes and without a terminal applies the phases before, then exits 2 saying why', async () => {
    await db().sql`create table public.gamma_blocked (why text)`;
    const r = await cli(['--json', 'migrate', 'all']);
    expect(r.code, r.stderr).toBe(2);
    const env = JSON.parse(r.stdout);
    expect(env.ok).toBe(false);
    expect(env.data.reports.map((x: { phase: number }) => x.phase)).toEqual([1, 2]);
    expect(env.error).toEqual({
      code: 'NEEDS_CONFIRMATION',
      message: 'applied phases 1, 2; phase 3 (gamma) was not applied: it needs confirmation, as it writes rows the application reads; pass --yes (there is no terminal to ask on)',
    });
    expect(await phaseStates()).toEqual(['applied', 'applied', 'pending']);
  });

  it('a failing step check refuses (exit 6) before any confirmation is asked for', async () => {
    await db().sql`insert into public.gamma_blocked values ('a test')`;
    const r = await cli(['migrate', 'phase', '3']);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toBe('error: phase 3 (gamma) is refused by step 3-gamma/000-check-gate: gamma is blocked\n');
    expect(await phaseStates()).toEqual(['applied', 'applied', 'pending']);
    await db().sql`delete from public.gamma_blocked`;
  });

  it('migrate phase 3 without --yes exits 2 with one line; with --yes it is applied', async () => {
    const r = await cli(['migrate', 'phase', '3']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe('error: phase 3 (gamma) was not applied: it needs confirmation, as it writes rows the application reads; pass --yes (there is no terminal to ask on)\n');
    expect(await seeded()).toBe(0);
    await db().sql`insert into sample.gate values (true)`;
    const yes = await cli(['migrate', 'phase', '3', '--yes']);
    expect(yes.code, yes.stderr).toBe(0);
    expect(await seeded()).toBe(100);
    // Applied: a rerun only re-verifies, and asks nothing.
    expect((await cli(['migrate', 'phase', '3'])).code).toBe(0);
  });

  it('on a terminal, the prompt says what the down steps do; no keeps everything (exit 6)', async () => {
    const r = await onTerminal(['rollback', 'phase', '3'], 'n');
    expect(r.code, r.output).toBe(6);
    expect(r.output).toContain('Roll back phase 3 (gamma) on postgres://');
    expect(r.output).toContain('rolling it back deletes the seeded rows');
    expect(r.output).toContain('steps reverted, in this order: 3-gamma/002-guarded-step, 3-gamma/001-seed-rows, 3-gamma/000-check-gate');
    expect(r.output).toContain('phase 3 (gamma) was not rolled back: cancelled at the prompt');
    expect(await seeded()).toBe(100);
  }, 30_000);

  it('rollback without a terminal needs --yes (exit 2); with it, it reverts', async () => {
    const r = await cli(['rollback', 'phase', '3']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe('error: phase 3 (gamma) was not rolled back: it needs confirmation; pass --yes (there is no terminal to ask on)\n');
    expect((await cli(['rollback', 'phase', '3', '--yes'])).code).toBe(0);
    expect(await phaseStates()).toEqual(['applied', 'applied', 'pending']);
  });
});

describe('refusals before the rollback question', () => {
  const db2 = useFreshDatabase('confr');
  const plainPlan = copySamplePlan();
  const plain = (args: string[]) => runCli(['--database-url', db2().url, '--plan', plainPlan, ...args]);

  beforeAll(async () => {
    expect((await plain(['migrate', 'phase', '1'])).code).toBe(0);
    await db2().sql`insert into sample.gate values (true)`;
    expect((await plain(['migrate', 'all'])).code).toBe(0);
  });

  it('rollback of a phase that is not the last applied exits 6 at once, without --yes', async () => {
    const r = await plain(['rollback', 'phase', '2']);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toBe('error: phase 2 is not the last applied phase (phase 3 is); roll back 3 first\n');
  });

  it('a rollback while another run holds the lock exits 4 before asking', async () => {
    const holder = postgres(db2().url, { max: 1, onnotice: () => {} });
    const reserved = await holder.reserve();
    try {
      await reserved`select pg_advisory_lock(${0x636f7274})`;
      const r = await plain(['rollback', 'phase', '3', '--lock-timeout', '0']);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toContain('another cortex run holds the lock');
    } finally {
      await reserved`select pg_advisory_unlock(${0x636f7274})`;
      reserved.release();
      await holder.end();
    }
  });

  it('a rollback with drift exits 5 before asking', async () => {
    const file = join(plainPlan, 'migrations', '3-gamma', '001-seed-rows', 'up.sql');
    const original = readFileSync(file, 'utf8');
    appendFileSync(file, '\n-- edited after apply\n');
    try {
      const r = await plain(['rollback', 'phase', '3']);
      expect(r.code, r.stderr).toBe(5);
    } finally {
      writeFileSync(file, original);
    }
  });
});
