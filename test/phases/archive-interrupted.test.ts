import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compatible, pgDumpMajor } from '../../src/db/backup.js';
import type { Sql } from '../../src/db/client.js';
import { installStatementTriggers } from '../../src/db/triggers.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { CHANGE_LOG_TRIGGERS, changeLogFunction, DUAL_WRITE_TRIGGERS } from '../../src/names.js';
import { packagePath } from '../../src/paths.js';
import { type CliRun, runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

// Phase 6 stopped at each of its points (Ctrl-C during the backup and during the switch, lock
// retries running out, a cancelled or terminated backend, a failing validation in between), a
// legacy write made after each, then a rerun: the write must reach the target before any rename.

const db = useFreshDatabase('arci');

function config(ddlLockTimeoutMs: number, lockRetries: number): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cortex-cfg-')), 'cortex.config.json');
  writeFileSync(file, JSON.stringify({ ddlLockTimeoutMs, lockRetries }));
  return file;
}
const PATIENT = config(30_000, 0);

let canDump = false;
let backupDir = '';
// Backup arguments: a real pg_dump where a compatible one is installed, the explicit skip otherwise.
const backupArgs = () => (canDump ? ['--backup-dir', backupDir] : ['--skip-backup']);
const cli = (args: string[]) => runCli(['--database-url', db().url, ...args]);
const migrate6 = (extra: string[] = []) => cli(['--yes', ...extra, 'migrate', 'phase', '6', ...backupArgs()]);

const children: ReturnType<typeof spawn>[] = [];

/** Start `migrate phase 6` as a child process, to signal it or act on its backends mid-run. */
function start(extra: string[] = []) {
  const child = spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', db().url, '--yes', ...extra,
    'migrate', 'phase', '6', ...backupArgs()], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', DATABASE_URL: undefined } });
  children.push(child);
  const run: CliRun = { code: null, stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (run.stdout += d));
  child.stderr.on('data', (d) => (run.stderr += d));
  const done = new Promise<CliRun>((r) => child.once('close', (code) => r({ ...run, code })));
  return { child, run, done };
}

async function until(what: string, cond: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Backends of this database (other than `except`) waiting for a lock, optionally only those of one CLI process. */
async function lockWaiters(except: number[], cliPid?: number): Promise<number[]> {
  const rows = await db().sql<{ pid: number }[]>`
    select pid from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid() and pid <> all(${except})
      and (${cliPid ?? null}::int is null or application_name like ${`%(pid ${cliPid ?? 0})`})`;
  return rows.map((r) => r.pid);
}

/** A session of "the application" holding a lock on a legacy table in an open transaction. */
async function holdLock(table: string, mode: 'access share' | 'access exclusive') {
  const conn = await db().sql.reserve();
  await conn`begin`;
  await conn.unsafe(`lock table ${table} in ${mode} mode`);
  const [p] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
  return {
    pid: p!.pid,
    release: async () => {
      await conn`rollback`;
      conn.release();
    },
  };
}

let contactId = 0;
let late = '';

/** Update a legacy contact and return its name on the target, read before any rerun can rename. */
async function legacyWrite(sql: Sql, name: string): Promise<string | null> {
  await sql`update crm.contacts set full_name = ${name} where contact_id = ${contactId}`;
  const [p] = await sql<{ full_name: string | null }[]>`
    select p.full_name from cortex_migration.migration_mappings mm join cortex_entities.persons p on p.id = mm.new_id
    where mm.old_schema = 'crm' and mm.old_table = 'contacts' and mm.old_id = ${String(contactId)}`;
  return p?.full_name ?? null;
}

/** Nothing archived, dual-write on every mapped table, no change-log trigger, nothing logged. */
async function expectDualWriteEverywhere(): Promise<void> {
  const [s] = await db().sql<{ legacy: number; deprecated: number; not_synced: number; log_triggers: number; sync_triggers: number; tables: number; logged: number }[]>`
    select (select count(*) from pg_namespace where nspname in ('crm', 'app', 'calendar', 'finance', 'actions'))::int as legacy,
           (select count(*) from pg_namespace where nspname like '%\_deprecated')::int as deprecated,
           (select count(*) from cortex_migration.capture where mode <> 'sync')::int as not_synced,
           (select count(*) from pg_trigger where tgname like 'cortex_log_%')::int as log_triggers,
           (select count(*) from pg_trigger where tgname like 'cortex_sync_%')::int as sync_triggers,
           (select count(*) from cortex_migration.mapped_tables)::int as tables,
           (select count(*) from cortex_migration.change_log)::int as logged`;
  expect(s).toEqual({ legacy: 5, deprecated: 0, not_synced: 0, log_triggers: 0, sync_triggers: 3 * s!.tables, tables: s!.tables, logged: 0 });
}

const backups = () => (canDump ? readdirSync(backupDir) : []);

describe('phase 6 stopped part-way, a legacy write, then a rerun', () => {
  // A test that failed half-way must not leave its run going on into the next one.
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  beforeAll(async () => {
    await loadLegacyFixture(db().sql, { scale: 0.05, seed: 21, dirty: false, replace: false });
    for (const n of [1, 2, 3, 4, 5]) {
      const r = await cli(['migrate', 'phase', String(n)]);
      expect(r.code, r.stderr.slice(-400)).toBe(0);
    }
    const [v] = await db().sql<{ major: number }[]>`select (current_setting('server_version_num')::int / 10000) as major`;
    canDump = compatible(await pgDumpMajor(), v!.major);
    backupDir = mkdtempSync(join(tmpdir(), 'cortex-arci-'));
    const tables = await db().sql<{ t: string }[]>`select format('%I.%I', old_schema, old_table) as t from cortex_migration.mapped_tables order by position`;
    // A table far down the list: the issue's "14 of 22 tables switched" when it is the one held.
    late = tables[Math.min(14, tables.length - 1)]!.t;
    expect(tables.findIndex((r) => r.t === 'crm.contacts')).toBeLessThan(tables.findIndex((r) => r.t === late));
    const [c] = await db().sql<{ id: number }[]>`select min(contact_id)::int as id from crm.contacts`;
    contactId = c!.id;
  });

  it('Ctrl-C during the backup: exit 130, no dump file, no pg_dump left on the server, nothing changed', async () => {
    if (!canDump) {
      // No compatible pg_dump: the backup step is a refusal unless --skip-backup, before any change.
      const r = await cli(['--yes', 'migrate', 'phase', '6']);
      expect(r.code).toBe(6);
      expect(r.stderr).toContain('--skip-backup');
    } else {
      // pg_dump waits for this lock (an application's exclusive lock) until the signal.
      const holder = await holdLock('crm.contacts', 'access exclusive');
      try {
        const p = start(['--config', PATIENT]);
        await until('pg_dump waiting for its lock', async () => (await lockWaiters([holder.pid])).length > 0);
        p.child.kill('SIGINT');
        const r = await p.done;
        expect(r.code, r.stderr).toBe(130);
        // pg_dump's backend does not stay queued behind the lock (holding the other tables) once cortex exits.
        await until('pg_dump backend gone', async () => (await lockWaiters([holder.pid])).length === 0);
        expect(r.stderr).toContain(`backing up crm, app, calendar, finance, actions with pg_dump into ${backupDir}`);
      } finally {
        await holder.release();
      }
      expect(backups()).toEqual([]);
    }
    await expectDualWriteEverywhere();
    expect(await legacyWrite(db().sql, 'Written after a stopped backup')).toBe('Written after a stopped backup');
  });

  it('Ctrl-C while switching (a table held by the application): exit 130, dual-write still everywhere', async () => {
    const holder = await holdLock(late, 'access share');
    let r: CliRun;
    try {
      const p = start(['--config', PATIENT]);
      await until('the archive waiting for its lock', async () => (await lockWaiters([holder.pid], p.child.pid)).length > 0);
      expect(p.run.stderr).toMatch(canDump ? /backup written to .*\.dump/ : /backup skipped \(--skip-backup\)/);
      p.child.kill('SIGINT');
      r = await p.done;
    } finally {
      await holder.release();
    }
    expect(r.code, r.stderr).toBe(130);
    expect(r.stdout).toContain('interrupted by SIGINT: step 6-archive/010-archive-legacy paused (recorded as interrupted, its committed work kept); resume with: cortex migrate phase 6');
    expect(await legacyWrite(db().sql, 'Written after a stopped switch')).toBe('Written after a stopped switch');
    await expectDualWriteEverywhere();
    // The complete backup of this attempt is kept, and the only file.
    if (canDump) expect(backups()).toHaveLength(1);
  });

  it('a validation that failed in between: the rerun refuses (exit 6) before it changes anything', async () => {
    // An attempt that fails (its lock not granted) after it started, so the rerun is a rerun.
    const holder = await holdLock(late, 'access share');
    try {
      expect((await migrate6(['--config', config(100, 0)])).code).toBe(7);
    } finally {
      await holder.release();
    }
    const [p] = await db().sql<{ id: string }[]>`
      update cortex_entities.persons set full_name = 'Tampered' where id = (select min(id) from cortex_entities.persons) returning id`;
    expect((await cli(['validate'])).code).toBe(1);
    const r = await migrate6();
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/the latest validation \(report #\d+\) failed/);
    await expectDualWriteEverywhere();
    // Repaired from the legacy side (dual-write rewrites the person), then validated again.
    await db().sql`update crm.contacts set updated_at = updated_at where contact_id in (
      select mm.old_id::int from cortex_migration.migration_mappings mm where mm.old_table = 'contacts' and mm.new_id = ${p!.id})`;
    expect((await cli(['validate'])).code).toBe(0);
  });

  it('a backup directory that cannot take the dump: refused with one line before anything changes', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cortex-arci-file-')), 'a-file');
    writeFileSync(file, 'not a directory');
    for (const [dir, why] of [[file, `backup directory ${file} is not a directory`], ['/proc/cortex-backups', 'backup directory /proc/cortex-backups cannot be created: ']] as const) {
      const r = await cli(['--yes', 'migrate', 'phase', '6', '--backup-dir', dir]);
      if (canDump) {
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr.startsWith(`error: ${why}`)).toBe(true);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
      } else {
        // No pg_dump to write one: that refusal comes first.
        expect(r.code, r.stderr).toBe(6);
        expect(r.stderr).toContain('--skip-backup');
      }
      await expectDualWriteEverywhere();
    }
  });

  it('lock retries running out: one line per retry and a final exit 7 naming the table and the blocking pid', async () => {
    const holder = await holdLock(late, 'access share');
    let first: CliRun;
    let second: CliRun;
    let firstBackups: string[];
    try {
      first = await migrate6(['--config', config(200, 2)]);
      firstBackups = backups();
      second = await migrate6(['--config', config(200, 1)]);
    } finally {
      await holder.release();
    }
    for (const [r, retries] of [[first, 2], [second, 1]] as const) {
      expect(r.code, r.stderr).toBe(7);
      for (let a = 1; a <= retries; a++) {
        expect(r.stderr).toMatch(new RegExp(`${late.replace('.', '\\.')}: lock not available, held by pid ${holder.pid} \\(.*\\); retry ${a}/${retries} in \\d+ ms\n`));
      }
      expect(r.stderr).toMatch(new RegExp(`✗ 6-archive/010-archive-legacy: ${late.replace('.', '\\.')}: lock not available, held by pid ${holder.pid} .*; gave up after ${retries + 1} attempts`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    if (canDump) {
      // One complete backup after each attempt: the second replaced the first, and says where it is.
      expect(firstBackups!).toHaveLength(1);
      expect(backups()).toHaveLength(1);
      expect(backups()).not.toEqual(firstBackups!);
      expect(second!.stderr).toContain(join(backupDir, backups()[0]!));
      // It holds every legacy row: readable by its owner only.
      expect(statSync(join(backupDir, backups()[0]!)).mode & 0o777).toBe(0o600);
    }
    expect(await legacyWrite(db().sql, 'Written after lock retries')).toBe('Written after lock retries');
    await expectDualWriteEverywhere();
  });

  for (const how of ['cancel', 'terminate'] as const) {
    it(`pg_${how}_backend of the waiting step: exit 7, nothing switched`, async () => {
      const holder = await holdLock(late, 'access share');
      let r: CliRun;
      try {
        const p = start(['--config', PATIENT]);
        await until('the archive waiting for its lock', async () => (await lockWaiters([holder.pid], p.child.pid)).length > 0);
        const [pid] = await lockWaiters([holder.pid], p.child.pid);
        await db().sql.unsafe(how === 'cancel' ? 'select pg_cancel_backend($1)' : 'select pg_terminate_backend($1)', [pid!]);
        r = await p.done;
      } finally {
        await holder.release();
      }
      expect(r.code, r.stderr).toBe(7);
      expect(r.stderr).toContain(how === 'cancel' ? 'canceling statement due to user request' : 'connection to the server lost');
      expect(await legacyWrite(db().sql, `Written after pg_${how}_backend`)).toBe(`Written after pg_${how}_backend`);
      await expectDualWriteEverywhere();
    });
  }

  it('a table left logging instead of dual-writing: the rerun replays its log before it renames', async () => {
    // What an attempt that switched tables one by one could leave: crm.contacts logs its writes.
    await db().sql`update cortex_migration.capture set mode = 'log' where old_schema = 'crm' and old_table = 'contacts'`;
    const conn = await db().sql.reserve();
    try {
      await installStatementTriggers(conn as unknown as Sql, { lockTimeoutMs: 2000, lockRetries: 3 }, 'crm', 'contacts',
        CHANGE_LOG_TRIGGERS, changeLogFunction('crm', 'contacts'), undefined, DUAL_WRITE_TRIGGERS);
    } finally {
      conn.release();
    }
    expect(await legacyWrite(db().sql, 'Logged, not synced')).not.toBe('Logged, not synced');
    const r = await migrate6();
    expect(r.code, r.stderr).toBe(0);
    const [p] = await db().sql<{ full_name: string; logged_before: number }[]>`
      select p.full_name,
             (select count(*) from cortex_migration.change_log l
               where l.logged_at < (select min(archived_at) from cortex_migration.archive))::int as logged_before
      from cortex_migration.migration_mappings mm join cortex_entities.persons p on p.id = mm.new_id
      where mm.old_schema = 'crm' and mm.old_table = 'contacts' and mm.old_id = ${String(contactId)}`;
    expect(p).toEqual({ full_name: 'Logged, not synced', logged_before: 0 });
    expect(r.stderr).toMatch(/crm\.contacts: dual-write put back, 1 logged key replayed\n/);
    const verify = await cli(['verify', 'phase', '6']);
    expect(verify.code, verify.stderr).toBe(0);
    if (canDump) {
      // The last attempt's backup is the one recorded, and the only file left.
      const [a] = await db().sql<{ path: string }[]>`select distinct backup_path as path from cortex_migration.archive`;
      expect(backups()).toEqual([a!.path.slice(backupDir.length + 1)]);
    }
  });

  it('a run killed after the archive committed but before the ledger said so: the rerun finds it done', async () => {
    await db().sql`update cortex_migration.steps set status = 'failed', error = 'interrupted: simulated' where step_id = '6-archive/010-archive-legacy'`;
    const r = await migrate6();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('already archived');
    const ns = await db().sql<{ n: number }[]>`select count(*)::int as n from pg_namespace where nspname like '%\_deprecated'`;
    expect(ns[0]!.n).toBe(5);
  });
});
