import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { type TestDatabase, useFreshDatabase } from '../helpers/db.js';

// Lock timeouts long enough that the step is still waiting when the test terminates it.
function patientConfig(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cortex-cfg-')), 'cortex.config.json');
  writeFileSync(file, JSON.stringify({ ddlLockTimeoutMs: 20000, lockRetries: 50 }));
  return file;
}

// Backends to terminate: the one waiting on the held lock (the step's), or the run lock's holder.
const VICTIMS = {
  step: "wait_event_type = 'Lock' and query not like '%pg_advisory%'",
  'run lock': "pid in (select l.pid from pg_locks l where l.locktype = 'advisory' and l.granted and l.objid = 1668248180)",
} as const;

/**
 * Run `migrate phase <n>` while `lock` (a LOCK TABLE statement) holds a table it needs; once the
 * step waits on it, terminate the `victim` backend (as a DBA would with pg_terminate_backend),
 * then let go.
 */
async function terminateDuring(db: TestDatabase, phase: number, lock: string, victim: keyof typeof VICTIMS = 'step') {
  const holder = await db.sql.reserve();
  await holder`begin`;
  await holder.unsafe(lock);
  const child = spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', db.url, '--config', patientConfig(),
    'migrate', 'phase', String(phase)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  let terminated = 0;
  try {
    for (let i = 0; i < 300 && terminated === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const [waiting] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'`;
      if (waiting!.n === 0) continue;
      const [t] = await db.sql.unsafe<{ n: number }[]>(`
        select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and ${VICTIMS[victim]}) x`);
      terminated = t!.n;
    }
  } finally {
    await holder`rollback`;
    holder.release();
  }
  return { terminated, code: await exited, stderr };
}

describe('pg_terminate_backend during a step', () => {
  const db = useFreshDatabase('term');

  it('a transactional step: exit 7 naming the lost connection, nothing applied, a rerun completes', async () => {
    await loadLegacyFixture(db().sql, { scale: 0.05, seed: 8, dirty: false, replace: false });
    expect((await runCli(['--database-url', db().url, 'migrate', 'phase', '1'])).code).toBe(0);
    const r = await terminateDuring(db(), 2, 'lock table crm.tasks in access exclusive mode');
    expect(r.terminated).toBe(1);
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).toMatch(/✗ 2-id-mapping\/003-map-rows: interrupted: connection to the server lost \(.+\); the server rolled back/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const [m] = await db().sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.migration_mappings`;
    expect(m!.n).toBe(0);
    const rerun = await runCli(['--database-url', db().url, 'migrate', 'phase', '2']);
    expect(rerun.code, rerun.stderr.slice(-400)).toBe(0);
  });

  it('the backfill: exit 7, the step shows failed, a rerun copies every row', async () => {
    // The copy of crm.notes waits on its target table: the batch's own connection is terminated.
    const r = await terminateDuring(db(), 3, 'lock table cortex_knowledge.notes in access exclusive mode');
    expect(r.terminated).toBe(1);
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const st = JSON.parse((await runCli(['--database-url', db().url, '--json', 'status'])).stdout).data;
    expect(st.phases[2].state).toBe('failed');
    const failed = st.phases[2].steps.filter((s: { state: string }) => s.state === 'failed').map((s: { id: string }) => s.id);
    expect(failed).toEqual(['3-backfill/010-backfill-rows']);
    const rerun = await runCli(['--database-url', db().url, 'migrate', 'phase', '3']);
    expect(rerun.code, rerun.stderr.slice(-400)).toBe(0);
    const [c] = await db().sql<{ legacy: number; target: number }[]>`
      select (select count(*) from crm.notes)::int as legacy, (select count(*) from cortex_knowledge.notes)::int as target`;
    expect(c!.target).toBe(c!.legacy);
  });

  it("the run lock's backend: the phase still finishes and the CLI exits 0, with no stack trace", async () => {
    // SHARE on a mapped table stalls phase 4's trigger installation while the run lock is held.
    const [last] = await db().sql<{ t: string }[]>`
      select format('%I.%I', old_schema, old_table) as t from cortex_migration.mapped_tables order by position desc limit 1`;
    const r = await terminateDuring(db(), 4, `lock table ${last!.t} in share mode`, 'run lock');
    expect(r.terminated).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr.slice(-400)).toBe(0);
    const st = JSON.parse((await runCli(['--database-url', db().url, '--json', 'status'])).stdout).data;
    expect(st.phases[3].state).toBe('applied');
    expect(st.run.active).toBe(false);
  });
});
