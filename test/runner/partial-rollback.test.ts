import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { type TestDatabase, useFreshDatabase, waitForNoRun } from '../helpers/db.js';

const STEP = '4-dual-write/002-install-dual-write';

function config(o: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cortex-cfg-')), 'cortex.config.json');
  writeFileSync(file, JSON.stringify(o));
  return file;
}

async function cli(db: TestDatabase, args: string[]) {
  return runCli(['--database-url', db.url, ...args]);
}

// Per mapped table: its capture mode and how many dual-write and change-log triggers it carries.
async function tableStates(db: TestDatabase) {
  return db.sql<{ t: string; mode: string; sync: number; log: number }[]>`
    select m.old_schema || '.' || m.old_table as t, c.mode,
           (select count(*)::int from pg_trigger g where g.tgrelid = format('%I.%I', m.old_schema, m.old_table)::regclass
              and g.tgname ~ '^cortex_sync_') as sync,
           (select count(*)::int from pg_trigger g where g.tgrelid = format('%I.%I', m.old_schema, m.old_table)::regclass
              and g.tgname ~ '^cortex_log_') as log
    from cortex_migration.mapped_tables m join cortex_migration.capture c using (old_schema, old_table)
    order by m.position`;
}

async function stepState(db: TestDatabase): Promise<{ state: string; error?: string }> {
  const st = JSON.parse((await cli(db, ['--json', 'status'])).stdout);
  const phase = st.data.phases.find((p: { number: number }) => p.number === 4);
  return phase.steps.find((s: { id: string }) => s.id === STEP);
}

// Hold SHARE on the last mapped table: it conflicts with CREATE TRIGGER's lock, not with the
// replay's reads, so phase 4 switches every other table and then waits on this one.
async function holdLastTable(db: TestDatabase): Promise<() => Promise<void>> {
  const [last] = await db.sql<{ s: string; t: string }[]>`
    select old_schema as s, old_table as t from cortex_migration.mapped_tables order by position desc limit 1`;
  const holder = await db.sql.reserve();
  await holder`begin`;
  await holder`lock table ${holder(last!.s)}.${holder(last!.t)} in share mode`;
  return async () => {
    await holder`rollback`;
    holder.release();
  };
}

// After a rollback every table is back on the change log, with no dual-write trigger anywhere.
async function expectBackOnTheLog(db: TestDatabase) {
  for (const s of await tableStates(db)) expect(s, s.t).toEqual({ t: s.t, mode: 'log', sync: 0, log: 3 });
}

describe('rollback of a phase whose non-transactional step stopped part-way (phase 4)', () => {
  const db = useFreshDatabase('partial');

  it('a step that failed on a lock timeout after switching some tables rolls back cleanly', async () => {
    await loadLegacyFixture(db().sql, { scale: 0.05, seed: 6, dirty: false, replace: false });
    for (const n of [1, 2, 3]) expect((await cli(db(), ['migrate', 'phase', String(n)])).code).toBe(0);
    const release = await holdLastTable(db());
    try {
      const r = await cli(db(), ['--config', config({ ddlLockTimeoutMs: 100, lockRetries: 0 }), 'migrate', 'phase', '4']);
      expect(r.code).toBe(7);
      const switched = (await tableStates(db())).filter((s) => s.sync === 3);
      expect(switched.length).toBeGreaterThan(3);
      expect((await stepState(db())).state).toBe('failed');
    } finally {
      await release();
    }
    const down = await cli(db(), ['rollback', 'phase', '4', '--yes']);
    expect(down.code, down.stderr.slice(-400)).toBe(0);
    await expectBackOnTheLog(db());
    expect((await stepState(db())).state).toBe('pending');
  });

  it('a run killed mid-step shows the step as interrupted, rolls back, and migrates again', async () => {
    const release = await holdLastTable(db());
    try {
      const child = spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', db().url,
        '--config', config({ ddlLockTimeoutMs: 200, lockRetries: 100 }), 'migrate', 'phase', '4'], { stdio: 'ignore' });
      // Wait until every table but the locked one has switched, then kill without warning.
      for (let i = 0; i < 300; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const states = await tableStates(db());
        if (states.filter((s) => s.mode === 'sync').length === states.length - 1) break;
      }
      // While it waits on the lock, status says the step is running, not interrupted.
      const live = JSON.parse((await cli(db(), ['--json', 'status'])).stdout).data;
      expect(live.run.active).toBe(true);
      // It names the CLI process to stop, not only its backend.
      expect(live.run.application).toBe(`cortex (pid ${child.pid})`);
      expect(live.phases[3].steps.find((s: { id: string }) => s.id === STEP).state).toBe('running');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      await waitForNoRun(db().sql);
      const states = await tableStates(db());
      expect(states.filter((s) => s.sync === 3).length).toBe(states.length - 1);
      const step = await stepState(db());
      expect(step.state).toBe('failed');
      const text = (await cli(db(), ['status'])).stdout;
      expect(text).not.toContain('in progress');
      expect(text).toMatch(/phase 4 dual-write +failed/);
      expect(step.error).toMatch(/^interrupted: .* may be partly applied/);
    } finally {
      await release();
    }
    const down = await cli(db(), ['rollback', 'phase', '4', '--yes']);
    expect(down.code, down.stderr.slice(-400)).toBe(0);
    await expectBackOnTheLog(db());
    const [c] = await db().sql<{ id: number }[]>`insert into crm.contacts (full_name) values ('Written After The Crash') returning contact_id as id`;
    expect((await cli(db(), ['migrate', 'phase', '4'])).code).toBe(0);
    const [p] = await db().sql<{ full_name: string }[]>`
      select p.full_name from cortex_migration.migration_mappings mm join cortex_entities.persons p on p.id = mm.new_id
      where mm.old_schema = 'crm' and mm.old_table = 'contacts' and mm.old_id = ${String(c!.id)}`;
    expect(p?.full_name).toBe('Written After The Crash');
    expect((await stepState(db())).state).toBe('applied');
  });
});
