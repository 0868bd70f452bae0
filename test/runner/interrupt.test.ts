import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLockHolder } from '../../src/db/lock.js';
import { packagePath } from '../../src/paths.js';
import { catchStopSignals, stopped, stopSignal } from '../../src/runner/interrupt.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

// A one-phase plan whose second step writes a row, then runs a statement for a minute.
function nappingPlan(): string {
  const root = mkdtempSync(join(tmpdir(), 'cortex-nap-'));
  const file = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  file('phases/1-nap/phase.json', '{ "name": "nap", "description": "a step with a long statement" }');
  file('migrations/1-nap/001-create-table/up.sql', 'create table public.nap_done (id int);');
  file('migrations/1-nap/001-create-table/down.sql', 'drop table public.nap_done;');
  file('migrations/1-nap/001-create-table/verify.sql', "select 'table' as id, to_regclass('public.nap_done') is not null as ok");
  file('migrations/1-nap/002-nap/up.sql', 'insert into public.nap_done values (1);\nselect pg_sleep(60);');
  file('migrations/1-nap/002-nap/down.sql', 'delete from public.nap_done;');
  file('migrations/1-nap/002-nap/verify.sql', "select 'row' as id, exists (select 1 from public.nap_done) as ok");
  return root;
}

describe('Ctrl-C or SIGTERM during a run', () => {
  const db = useFreshDatabase('intr');

  it('cancels the running statement, records the step, frees the lock and exits 130 at once', async () => {
    const plan = nappingPlan();
    const child = spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', db().url, '--plan', plan,
      'migrate', 'phase', '1'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const napping = () => db().sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and state = 'active' and query like '%pg_sleep(60)%' and pid <> pg_backend_pid()`;
    for (let i = 0; i < 200 && (await napping())[0]!.n === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await napping())[0]!.n).toBe(1);
    const signalled = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(130);
    // Well before the statement's minute is up, and nothing of the run is left on the server.
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect((await napping())[0]!.n).toBe(0);
    expect(stderr).toContain('SIGINT: stopping');
    expect(stderr).toContain('phase 1 (nap) up INTERRUPTED (paused)');
    expect(stdout).toContain('interrupted by SIGINT: step 1-nap/002-nap paused (recorded as interrupted, its committed work kept); resume with: cortex migrate phase 1');
    const [r] = await db().sql<{ rows: number; status: string; error: string }[]>`
      select (select count(*) from public.nap_done)::int as rows, s.status, s.error
      from cortex_migration.steps s where s.step_id = '1-nap/002-nap'`;
    expect(r).toEqual({ rows: 0, status: 'failed', error: 'interrupted by SIGINT: its running statement was cancelled and rolled back' });
    // This database's run lock is free (other test files hold their own databases' locks).
    expect(await runLockHolder(db().sql)).toBeNull();
    // Paused, not failed: in status (text and --json) and in the stored report.
    const status = (args: string[]) => runCli(['--database-url', db().url, '--plan', plan, ...args]);
    const json = JSON.parse((await status(['--json', 'status'])).stdout).data;
    expect(json.phases[0]).toMatchObject({ state: 'interrupted', steps: [{ state: 'applied' },
      { id: '1-nap/002-nap', state: 'interrupted', resume: 'cortex migrate phase 1', error: r!.error }] });
    const text = (await status(['status'])).stdout;
    expect(text).toMatch(/^phase 1 nap +interrupted {2}\(paused; resume with: cortex migrate phase 1\)$/m);
    expect(text).toContain('interrupted 1-nap/002-nap  interrupted by SIGINT: its running statement was cancelled and rolled back; resume with: cortex migrate phase 1');
    const [stored] = await db().sql<{ status: string; step: string }[]>`
      select status, report->'steps'->1->>'status' as step from cortex_migration.reports order by id desc limit 1`;
    expect(stored).toEqual({ status: 'interrupted', step: 'interrupted' });
  }, 30_000);

  it("a Ctrl-C the spinner re-raises (process.emit('SIGINT'), no signal name) is still a SIGINT", () => {
    const seen: string[] = [];
    const release = catchStopSignals((signal) => seen.push(signal));
    try {
      process.emit('SIGINT');
    } finally {
      release();
    }
    expect(seen).toEqual(['SIGINT']);
    expect(stopSignal()).toBe('SIGINT');
    expect(stopped.aborted).toBe(true);
  });
});
