import { describe, expect, it } from 'vitest';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('dfx');

// `cortex diff` with no --from: the live database against the committed expected state of the
// phases applied. Passing after every phase also proves the generated expected-state.json files
// are current on this server version.
describe('diff against the schema-as-code expected state', () => {
  it('is empty after every phase of the Cortex plan (exit 0)', async () => {
    await loadLegacyFixture(db().sql, { scale: 0.02, seed: 5, dirty: false, replace: false });
    const none = await runCli(['--database-url', db().url, 'diff']);
    expect(none.code, none.stdout + none.stderr).toBe(0);
    for (const n of [1, 2, 3, 4, 5, 6]) {
      const up = await runCli(['--database-url', db().url, 'migrate', 'phase', String(n), '--yes', '--skip-backup']);
      expect(up.code, up.stderr).toBe(0);
      const d = await runCli(['--database-url', db().url, 'diff']);
      expect(d.code, `after phase ${n}:\n${d.stdout}${d.stderr}`).toBe(0);
      expect(d.stdout).toContain(n === 1 ? 'phase 1 applied' : `phases 1..${n} applied`);
    }
  });

  it('names a dropped dual-write trigger, an extra index and a changed column (exit 1)', async () => {
    for (const n of [6, 5]) expect((await runCli(['--database-url', db().url, 'rollback', 'phase', String(n), '--yes'])).code).toBe(0);
    await db().sql.unsafe(`
      drop trigger cortex_sync_insert on crm.contacts;
      create index drift_idx on cortex_entities.persons (created_at);
      alter table cortex_entities.persons alter column updated_at drop not null`);
    const r = await runCli(['--database-url', db().url, '--json', 'diff']);
    expect(r.code).toBe(1);
    const env = JSON.parse(r.stdout);
    expect(env.data.expectedPhases).toBe(4);
    const seen = env.data.changes.map((c: { op: string; name: string }) => `${c.op} ${c.name}`);
    expect(seen).toEqual(
      expect.arrayContaining(['- crm.contacts.cortex_sync_insert', '+ cortex_entities.drift_idx', '~ cortex_entities.persons.updated_at']),
    );
    expect(seen).toHaveLength(3);
    const only = await runCli(['--database-url', db().url, 'diff', '--schema', 'crm']);
    expect(only.code).toBe(1);
    expect(only.stdout).toContain('- trigger crm.contacts.cortex_sync_insert');
    expect(only.stdout).not.toContain('drift_idx');
  });
});
