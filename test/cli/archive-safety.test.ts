import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('asafe');
const cli = (args: string[]) => runCli(['--database-url', db().url, ...args]);

const LEGACY = ['actions', 'app', 'calendar', 'crm', 'finance'];

async function legacySchemas(): Promise<string[]> {
  const rows = await db().sql<{ nspname: string }[]>`
    select nspname from pg_namespace where nspname in ('crm', 'app', 'calendar', 'finance', 'actions') order by 1`;
  return rows.map((r) => r.nspname);
}

async function reports(): Promise<{ total: number; failed: number }> {
  const [r] = await db().sql<{ total: number; failed: number }[]>`
    select count(*)::int as total, count(*) filter (where status = 'failed')::int as failed from cortex_migration.reports`;
  return r!;
}

const NEEDS_YES = 'phase 6 (archive) was not applied: it needs confirmation, as it renames the legacy schemas crm, app, calendar, finance and actions to *_deprecated, which breaks an application still using them; pass --yes (there is no terminal to ask on)';

describe('the archive of a database someone may still use', () => {
  it('migrate all without --yes and without a terminal applies phases 1–5, never renames the legacy schemas, and exits 2 saying why', async () => {
    await loadLegacyFixture(db().sql, { scale: 0.02, seed: 3, dirty: false, replace: false });
    // --skip-backup: a server without a compatible pg_dump would refuse the archive first (exit 6).
    const r = await cli(['migrate', 'all', '--skip-backup']);
    expect(r.code, r.stderr.slice(-600)).toBe(2);
    expect(r.stderr.endsWith(`error: applied phases 1, 2, 3, 4, 5; ${NEEDS_YES}\n`)).toBe(true);
    expect(r.stdout.match(/^report: /gm)).toHaveLength(5);
    expect(await legacySchemas()).toEqual(LEGACY);
    const st = JSON.parse((await cli(['--json', 'status'])).stdout).data;
    expect(st.phases.map((p: { state: string }) => p.state)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied', 'pending']);
  });

  it('migrate phase 6 without --yes: its precondition refuses first (exit 6), then exit 2', async () => {
    await db().sql`update cortex_entities.persons set full_name = 'Tampered' where id = (select min(id) from cortex_entities.persons)`;
    expect((await cli(['validate'])).code).toBe(1);
    const refused = await cli(['migrate', 'phase', '6', '--skip-backup']);
    expect(refused.code, refused.stderr).toBe(6);
    expect(refused.stderr).toMatch(/^error: phase 6 \(archive\) is refused by step 6-archive\/010-archive-legacy: the latest validation \(report #\d+\) failed; fix it and run `cortex validate` again\n$/);
    await db().sql`update crm.contacts set updated_at = updated_at where contact_id in (
      select mm.old_id::int from cortex_migration.migration_mappings mm join cortex_entities.persons p on p.id = mm.new_id
      where mm.old_table = 'contacts' and p.full_name = 'Tampered')`;
    expect((await cli(['validate'])).code).toBe(0);
    // No pg_dump on the PATH and no --skip-backup: refused before the question too.
    const noDump = await runCli(['--database-url', db().url, 'migrate', 'phase', '6'], { env: { PATH: '/nonexistent' } });
    expect(noDump.code, noDump.stderr).toBe(6);
    expect(noDump.stderr).toMatch(/^error: phase 6 \(archive\) is refused by step 6-archive\/010-archive-legacy: no pg_dump compatible with PostgreSQL \d+ is installed \(found none\); install one or pass --skip-backup\n$/);
    const r = await cli(['--json', 'migrate', 'phase', '6', '--skip-backup']);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).error).toEqual({ code: 'NEEDS_CONFIRMATION', message: NEEDS_YES });
    expect(await legacySchemas()).toEqual(LEGACY);
    const st = JSON.parse((await cli(['--json', 'status'])).stdout).data;
    expect(st.phases[5].state).toBe('pending');
    expect(st.phases[5].steps.every((s: { state: string }) => s.state === 'pending')).toBe(true);
  });

  it('with --yes it archives', async () => {
    const backups = mkdtempSync(join(tmpdir(), 'cortex-backup-'));
    const r = await cli(['migrate', 'phase', '6', '--yes', '--skip-backup', '--backup-dir', backups]);
    expect(r.code, r.stderr.slice(-600)).toBe(0);
    expect(await legacySchemas()).toEqual([]);
    // --skip-backup skips it, whether or not a compatible pg_dump is installed.
    expect(readdirSync(backups)).toEqual([]);
    expect(r.stderr).toContain('backup skipped (--skip-backup)');
  });

  it('after the archive, a phase that reads the legacy schemas is said to be applied (exit 0), and no failed report is written', async () => {
    const before = await reports();
    const r = await cli(['migrate', 'phase', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('phase 3 (backfill) is already applied; its checks are not re-run: they read the legacy schemas, which phase 6 (archive) renamed to *_deprecated; roll back phase 6 to run them\n');
    expect(await reports()).toEqual(before);
    expect((await cli(['migrate', 'all'])).stdout).toBe('nothing to do: every phase is applied\n');
  });

  it('validate and verify phase N after the archive are refused (exit 6) with the reason, and write no report', async () => {
    const before = await reports();
    const v = await cli(['validate']);
    expect(v.code, v.stderr).toBe(6);
    expect(v.stderr).toBe('error: the checks of phase 5 (validation) cannot run: they read the legacy schemas, which phase 6 (archive) renamed to *_deprecated; roll back phase 6 to run them\n');
    const p = await cli(['verify', 'phase', '4']);
    expect(p.code, p.stderr).toBe(6);
    expect(p.stderr).toContain('the checks of phase 4 (dual-write) cannot run');
    expect(await reports()).toEqual(before);
    // The phases whose checks still work are verified as before.
    const all = await cli(['verify']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toContain('phases 2, 3, 4, 5 are not re-verified');
    expect((await reports()).failed).toBe(before.failed);
  });

  it('rollback of phase 6 brings the checks back', async () => {
    expect((await cli(['rollback', 'phase', '6', '--yes'])).code).toBe(0);
    expect(await legacySchemas()).toEqual(LEGACY);
    const r = await cli(['migrate', 'phase', '3']);
    expect(r.code, r.stderr.slice(-600)).toBe(0);
    expect(r.stdout).toMatch(/^report: .*phase3-backfill-up\.md\n$/);
  });
});
