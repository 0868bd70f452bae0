import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compatible, pgDumpMajor } from '../../src/db/backup.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';
import { dataState } from '../helpers/state.js';

const db = useFreshDatabase('arc');
const cli = (args: string[]) => runCli(['--database-url', db().url, ...args]);

describe('phase 6 archive', () => {
  let whatsappBefore: Record<string, string> = {};

  it('is refused until a validation has passed', async () => {
    await loadLegacyFixture(db().sql, { scale: 0.05, seed: 12, dirty: false, replace: false });
    whatsappBefore = await dataState(db().sql, ['whatsapp']);
    for (const n of [1, 2, 3, 4]) expect((await cli(['migrate', 'phase', String(n)])).code).toBe(0);
    // Phase 5 applied, then a change behind the tool's back makes the latest validation fail.
    expect((await cli(['migrate', 'phase', '5'])).code).toBe(0);
    await db().sql`update cortex_entities.persons set full_name = 'Tampered' where id = (select min(id) from cortex_entities.persons)`;
    expect((await cli(['validate'])).code).toBe(1);
    const refused = await cli(['migrate', 'phase', '6', '--yes', '--skip-backup']);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain('latest validation');
    // Repair through the legacy side (dual-write rewrites the person), validate again.
    await db().sql`update crm.contacts set updated_at = updated_at where contact_id in (
      select mm.old_id::int from cortex_migration.migration_mappings mm join cortex_entities.persons p on p.id = mm.new_id
      where mm.old_table = 'contacts' and p.full_name = 'Tampered')`;
    expect((await cli(['validate'])).code).toBe(0);
  });

  it('backs up (or records the explicit skip), renames the five legacy schemas, leaves whatsapp alone', async () => {
    const [v] = await db().sql<{ major: number }[]>`select (current_setting('server_version_num')::int / 10000) as major`;
    const canDump = compatible(await pgDumpMajor(), v!.major);
    const backupDir = mkdtempSync(join(tmpdir(), 'cortex-backup-'));
    const plain = await cli(['--json', 'migrate', 'phase', '6', '--yes', '--backup-dir', backupDir]);
    let report;
    if (canDump) {
      expect(plain.code, plain.stderr).toBe(0);
      report = JSON.parse(plain.stdout).data.report;
      expect(JSON.stringify(report)).toContain(backupDir);
    } else {
      expect(plain.code).toBe(6);
      expect(JSON.parse(plain.stdout).error.message).toContain('--skip-backup');
      // Refused before it changed anything: pending, not interrupted.
      const st = JSON.parse((await cli(['--json', 'status'])).stdout);
      const step = st.data.phases[5].steps.find((s: { id: string }) => s.id === '6-archive/010-archive-legacy');
      expect(step).toMatchObject({ state: 'pending' });
      const skipped = await cli(['--json', 'migrate', 'phase', '6', '--yes', '--skip-backup', '--retain-days', '7']);
      expect(skipped.code, skipped.stderr).toBe(0);
      report = JSON.parse(skipped.stdout).data.report;
      expect(JSON.stringify(report)).toContain('skipped (--skip-backup)');
    }
    const ns = await db().sql<{ nspname: string }[]>`
      select nspname from pg_namespace where nspname in ('crm', 'app', 'calendar', 'finance', 'actions', 'whatsapp',
        'crm_deprecated', 'app_deprecated', 'calendar_deprecated', 'finance_deprecated', 'actions_deprecated') order by 1`;
    expect(ns.map((r) => r.nspname)).toEqual(['actions_deprecated', 'app_deprecated', 'calendar_deprecated', 'crm_deprecated', 'finance_deprecated', 'whatsapp']);
    expect(await dataState(db().sql, ['whatsapp'])).toEqual(whatsappBefore);
    const [t] = await db().sql<{ n: number }[]>`select count(*)::int as n from pg_trigger where tgname like 'cortex_sync_%'`;
    expect(t!.n).toBe(0);
    const verify = await cli(['verify']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr).toContain('phases 2, 3, 4, 5 are not re-verified');
  });

  it('purge needs --yes and --confirm, and waits for retention unless --force', async () => {
    expect((await cli(['archive', 'purge'])).code).toBe(2);
    expect((await cli(['--yes', 'archive', 'purge', '--confirm', 'wrong_db'])).code).toBe(2);
    const early = await cli(['--yes', 'archive', 'purge', '--confirm', db().name]);
    expect(early.code).toBe(6);
    expect(early.stderr).toContain('retention has not passed');
  });

  it('rollback 6 restores the names and dual-write', async () => {
    expect((await cli(['rollback', 'phase', '6', '--yes'])).code).toBe(0);
    const [c] = await db().sql<{ id: number }[]>`insert into crm.contacts (full_name) values ('After Unarchive') returning contact_id as id`;
    const [p] = await db().sql<{ full_name: string }[]>`
      select p.full_name from cortex_migration.migration_mappings mm join cortex_entities.persons p on p.id = mm.new_id
      where mm.old_table = 'contacts' and mm.old_id = ${String(c!.id)}`;
    expect(p!.full_name).toBe('After Unarchive');
  });
});
