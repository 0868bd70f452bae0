import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/verify/report.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';
import { copySamplePlan, samplePlan } from '../helpers/plan.js';

const db = useFreshDatabase('eng');

function cli(args: string[], plan = samplePlan, extra: string[] = []) {
  return runCli(['--database-url', db().url, '--plan', plan, ...extra, ...args]);
}

async function ledger() {
  return db().sql<{ step_id: string; status: string }[]>`select step_id, status from cortex_migration.steps order by step_id`;
}

async function events(step: string, direction: string): Promise<number> {
  const [r] = await db().sql<{ n: number }[]>`
    select count(*)::int n from cortex_migration.events where step_id = ${step} and direction = ${direction}`;
  return r!.n;
}

describe('plan engine (sample plan, real PostgreSQL, CLI as a user runs it)', () => {
  it('status on a fresh database lists the six Cortex phases and creates nothing', async () => {
    const r = await runCli(['--database-url', db().url, '--json', 'status']);
    expect(r.code).toBe(0);
    const env = JSON.parse(r.stdout);
    expect(env.ok).toBe(true);
    expect(env.data.phases.map((p: { number: number }) => p.number)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(env.data.phases.map((p: { name: string }) => p.name)).toEqual(['schema', 'id-mapping', 'backfill', 'dual-write', 'validation', 'archive']);
    const [s] = await db().sql<{ n: number }[]>`select count(*)::int n from pg_namespace where nspname = 'cortex_migration'`;
    expect(s!.n).toBe(0);
  });

  it('plan phase 1 prints SQL and locks and changes nothing in the catalog', async () => {
    const catalog = async () => {
      const [r] = await db().sql<{ h: string }[]>`
        select md5(string_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text, ',' order by n.nspname, c.relname)) h
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')`;
      const [ns] = await db().sql<{ h: string }[]>`select md5(string_agg(nspname, ',' order by nspname)) h from pg_namespace`;
      return `${r!.h}/${ns!.h}`;
    };
    const before = await catalog();
    const r = await cli(['plan', 'phase', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('create schema sample');
    expect(r.stdout).toContain('1-alpha/002-create-table');
    const two = await cli(['--json', 'plan', 'phase', '2']);
    const env = JSON.parse(two.stdout);
    expect(env.data.steps[0].locks[0]).toMatchObject({ mode: 'ACCESS EXCLUSIVE', target: 'sample.items' });
    expect(env.data.steps[1]).toMatchObject({ transactional: false });
    expect(await catalog()).toBe(before);
  });

  it('refuses an out-of-order phase (6) and an unknown phase (2)', async () => {
    const r = await cli(['migrate', 'phase', '2']);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('phase 2 needs phase 1 applied first');
    expect((await cli(['migrate', 'phase', '9'])).code).toBe(2);
    expect((await cli(['migrate', 'phase', 'x'])).code).toBe(2);
    expect((await cli(['rollback', 'phase', '1', '--yes'])).code).toBe(6);
  });

  it('migrate phase 1 --json writes JSON and Markdown reports that match the exported schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortex-reports-'));
    const r = await cli(['migrate', 'phase', '1'], samplePlan, ['--json', '--reports-dir', dir]);
    expect(r.code).toBe(0);
    const env = JSON.parse(r.stdout);
    expect(env).toMatchObject({ ok: true, command: 'migrate', error: null });
    const report = ReportSchema.parse(env.data.report);
    expect(report).toMatchObject({ status: 'passed', direction: 'up', phase: { number: 1, name: 'alpha' } });
    expect(report.steps.flatMap((s) => s.checks.map((c) => c.id))).toEqual(['schema-exists', 'table-exists', 'name-not-null']);
    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.md'))).toHaveLength(1);
    ReportSchema.parse(JSON.parse(readFileSync(join(dir, files.find((f) => f.endsWith('.json'))!), 'utf8')));
    const [stored] = await db().sql<{ n: number }[]>`select count(*)::int n from cortex_migration.reports where phase = 1 and direction = 'up'`;
    expect(stored!.n).toBe(1);
    expect(await ledger()).toEqual([
      { step_id: '1-alpha/001-create-schema', status: 'applied' },
      { step_id: '1-alpha/002-create-table', status: 'applied' },
    ]);
  });

  it('retries DDL that hits lock_timeout (55P03) and succeeds once the lock is released', async () => {
    const holder = postgres(db().url, { max: 1, onnotice: () => {} });
    const cfgDir = mkdtempSync(join(tmpdir(), 'cortex-cfg-'));
    const cfg = join(cfgDir, 'cortex.config.json');
    appendFileSync(cfg, JSON.stringify({ ddlLockTimeoutMs: 200, lockRetries: 8 }));
    const reserved = await holder.reserve();
    await reserved`begin`;
    await reserved`lock table sample.items in access share mode`;
    const run = cli(['migrate', 'phase', '2'], samplePlan, ['--config', cfg]);
    // Released only once the step has waited on the lock (a loaded machine starts the CLI slowly),
    // and long enough after that for its first 200 ms attempt to give up.
    for (let i = 0; i < 300; i++) {
      const [w] = await db().sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity where datname = current_database()
          and application_name like 'cortex%' and wait_event_type = 'Lock'`;
      if (w!.n > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 600));
    await reserved`commit`;
    reserved.release();
    const r = await run;
    await holder.end();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/lock not available, retry 1/);
  });

  it('a failing step rolls back, records fail, exits 7, and a rerun resumes from it', async () => {
    const first = await cli(['migrate', 'phase', '3']);
    expect(first.code).toBe(7);
    expect(first.stderr).toContain('division by zero');
    expect(first.stderr).not.toMatch(/\n\s+at /);
    const [row] = await db().sql<{ n: number }[]>`select count(*)::int n from sample.items where id = 1000`;
    expect(row!.n).toBe(0);
    expect(await events('3-gamma/002-guarded-step', 'fail')).toBe(1);
    expect(await events('3-gamma/001-seed-rows', 'up')).toBe(1);
    await db().sql`insert into sample.gate values (true)`;
    const second = await cli(['migrate', 'phase', '3']);
    expect(second.code).toBe(0);
    expect(await events('3-gamma/001-seed-rows', 'up')).toBe(1);
    expect(await events('3-gamma/002-guarded-step', 'up')).toBe(1);
    expect(second.stderr).toContain('1 warnings');
  });

  it('verify re-runs checks and fails (exit 1) naming the broken check', async () => {
    expect((await cli(['verify'])).code).toBe(0);
    await db().sql`drop index sample.items_name_idx`;
    const r = await cli(['--json', 'verify', 'phase', '2']);
    expect(r.code).toBe(1);
    const env = JSON.parse(r.stdout);
    expect(env.error.message).toContain('2-beta/002-create-index:name-index');
    const failed = env.data.report.steps.flatMap((s: { checks: Array<{ id: string; status: string; actual?: string }> }) => s.checks).filter((c: { status: string }) => c.status === 'failed');
    expect(failed).toEqual([expect.objectContaining({ id: 'name-index', actual: 'missing' })]);
    await db().sql`create index items_name_idx on sample.items (name)`;
  });

  it('rollback needs --yes without a TTY and only takes the last applied phase', async () => {
    expect((await cli(['rollback', 'phase', '3'])).code).toBe(2);
    const wrong = await cli(['rollback', 'phase', '2', '--yes']);
    expect(wrong.code).toBe(6);
    expect(wrong.stderr).toContain('phase 3 is');
  });

  it('goes down through every phase and up again (up → verify → down → up)', async () => {
    for (const n of [3, 2, 1]) expect((await cli(['rollback', 'phase', String(n), '--yes'])).code).toBe(0);
    const [ns] = await db().sql<{ n: number }[]>`select count(*)::int n from pg_namespace where nspname = 'sample'`;
    expect(ns!.n).toBe(0);
    expect(await ledger()).toEqual([]);
    const all = await cli(['--json', 'migrate', 'all']);
    expect(all.code).toBe(7); // the gate table is new and closed again: phase 3 fails at the guarded step
    const env = JSON.parse(all.stdout);
    expect(env.data.reports.map((r: { phase: number }) => r.phase)).toEqual([1, 2, 3]);
    await db().sql`insert into sample.gate values (true)`;
    expect((await cli(['migrate', 'all'])).code).toBe(0);
    const st = JSON.parse((await cli(['--json', 'status'])).stdout);
    expect(st.data.phases.map((p: { state: string }) => p.state)).toEqual(['applied', 'applied', 'applied']);
  });

  it('report --last prints the latest stored report', async () => {
    const r = await cli(['--json', 'report', '--last']);
    expect(r.code).toBe(0);
    expect(ReportSchema.parse(JSON.parse(r.stdout).data.report).phase.number).toBe(3);
  });
});

describe('drift', () => {
  const db2 = useFreshDatabase('drift');

  it('a changed applied file or a step inserted before applied ones exits 5', async () => {
    const plan = copySamplePlan();
    const run = (args: string[]) => runCli(['--database-url', db2().url, '--plan', plan, ...args]);
    expect((await run(['migrate', 'phase', '1'])).code).toBe(0);
    const upFile = join(plan, 'migrations', '1-alpha', '002-create-table', 'up.sql');
    const original = readFileSync(upFile, 'utf8');
    appendFileSync(upFile, '\n-- edited after apply\n');
    const changed = await run(['migrate', 'phase', '2']);
    expect(changed.code).toBe(5);
    expect(changed.stderr).toContain('1-alpha/002-create-table');
    const st = JSON.parse((await run(['--json', 'status'])).stdout);
    expect(st.data.drift.length).toBeGreaterThan(0);
    // Restore, then insert a new step between applied ones.
    cpSync(join(samplePlan, 'migrations', '1-alpha', '002-create-table', 'up.sql'), upFile);
    expect(readFileSync(upFile, 'utf8')).toBe(original);
    cpSync(join(plan, 'migrations', '1-alpha', '002-create-table'), join(plan, 'migrations', '1-alpha', '001a-x'), { recursive: true });
    expect((await run(['migrate', 'phase', '2'])).code).toBe(2); // badly named step folder
    cpSync(join(plan, 'migrations', '1-alpha', '001a-x'), join(plan, 'migrations', '1-alpha', '000-inserted'), { recursive: true });
    const { rmSync } = await import('node:fs');
    rmSync(join(plan, 'migrations', '1-alpha', '001a-x'), { recursive: true });
    const inserted = await run(['migrate', 'phase', '2']);
    expect(inserted.code).toBe(5);
    expect(inserted.stderr).toContain('1-alpha/000-inserted');
    expect(existsSync(plan)).toBe(true);
  });
});

describe('run lock', () => {
  const db3 = useFreshDatabase('lock');

  it('a second run exits 4 naming the process and the backend that hold the lock', async () => {
    // Named as a cortex CLI names its connections: `cortex (pid <its own pid>)`.
    const holder = postgres(db3().url, { max: 1, onnotice: () => {}, connection: { application_name: 'cortex (pid 4242)' } });
    const reserved = await holder.reserve();
    const [me] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
    await reserved`select pg_advisory_lock(${0x636f7274})`;
    const r = await runCli(['--database-url', db3().url, '--plan', samplePlan, 'migrate', 'phase', '1', '--lock-timeout', '1']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`another cortex run holds the lock (cortex pid 4242 on 127.0.0.1, backend pid ${me!.pid})`);
    await reserved`select pg_advisory_unlock(${0x636f7274})`;
    reserved.release();
    await holder.end();
    const ok = await runCli(['--database-url', db3().url, '--plan', samplePlan, 'migrate', 'phase', '1', '--lock-timeout', '1']);
    expect(ok.code).toBe(0);
  });

  it('two CLI processes racing: one runs, the other waits for it or exits 4', async () => {
    const args = ['--database-url', db3().url, '--plan', samplePlan, 'migrate', 'phase', '2', '--lock-timeout', '0'];
    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    const codes = [a.code, b.code].sort();
    // Either both serialised (second saw phase applied: 0) or the loser got the lock error (4).
    expect(codes[0]).toBe(0);
    expect([0, 4]).toContain(codes[1]);
    if (codes[1] === 4) expect((a.code === 4 ? a : b).stderr).toContain('another cortex run holds the lock');
  });
});

describe('config', () => {
  const db4 = useFreshDatabase('cfg');
  it('an unknown key or bad value is exit 2 naming the key path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortex-cfg-'));
    const bad = join(dir, 'bad.json');
    appendFileSync(bad, JSON.stringify({ backfill: { batchSize: 100, colour: 'red' } }));
    const r = await runCli(['--database-url', db4().url, '--config', bad, 'status']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('backfill.colour');
    const bad2 = join(dir, 'bad2.json');
    appendFileSync(bad2, JSON.stringify({ lockRetries: -1 }));
    const r2 = await runCli(['--database-url', db4().url, '--config', bad2, 'status']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('lockRetries');
  });
});

describe('exported report schema', () => {
  it('docs/report.schema.json is the JSON Schema of ReportSchema (regenerate when the model changes)', async () => {
    const { readFileSync } = await import('node:fs');
    const { packagePath } = await import('../../src/paths.js');
    const { reportJsonSchema } = await import('../../src/verify/report.js');
    expect(JSON.parse(readFileSync(packagePath('docs', 'report.schema.json'), 'utf8'))).toEqual(reportJsonSchema());
  });
});
