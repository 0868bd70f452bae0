import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { adminUrl } from '../helpers/db.js';
import { parseXml } from '../helpers/xml.js';
import { copySamplePlan } from '../helpers/plan.js';

describe('cortex verify-rollback', () => {
  it('passes on the Cortex plan: every phase up, verify, down, identical, up again; JUnit: a case per action and per check', async () => {
    const junit = join(mkdtempSync(join(tmpdir(), 'cortex-junit-')), 'nested', 'vr.xml');
    const r = await runCli(['--database-url', adminUrl(), 'verify-rollback', '--scale', '0.02', '--junit', junit]);
    expect(r.code, r.stdout.slice(-1500)).toBe(0);
    expect(r.stdout).toContain('| phase 3 backfill: down restores the schema and keeps every write | passed |');
    // Phase 4's writes.sql writes on the target; the rollbacks keep them in the legacy tables.
    expect(r.stdout).toContain("| phase 4 dual-write: the application's writes while it is applied reach the plan's data schemas | passed |");
    expect(r.stdout).toContain('| phase 4 dual-write: down restores the schema and keeps every write | passed |');
    expect(r.stdout).toContain('| all phases down restore the starting schema and keep every write | passed |');
    const suite = parseXml(readFileSync(junit, 'utf8'));
    expect(suite.attrs).toMatchObject({ name: 'cortex verify-rollback', tests: String(suite.children.length), failures: '0' });
    const cases = suite.children.map((c) => c.attrs);
    for (const c of cases) expect(c.time).toMatch(/^\d+\.\d{3}$/);
    // The actions of a phase's cycle, and its verify's checks one by one, grouped by the phase.
    const phase4 = cases.filter((c) => c.classname === 'phase 4 dual-write').map((c) => c.name);
    expect(phase4).toEqual(expect.arrayContaining(['up', 'down', 'up again', 'verify 4-dual-write/002-install-dual-write: sample-write-round-trip']));
    expect(phase4.filter((n) => n!.startsWith('verify ')).length).toBeGreaterThan(1);
  });

  it('exits 1 and names what a broken down step leaves behind', async () => {
    const plan = copySamplePlan();
    writeFileSync(join(plan, 'migrations', '2-beta', '002-create-index', 'down.sql'), 'select 1;');
    const r = await runCli(['--database-url', adminUrl(), '--plan', plan, 'verify-rollback', '--scale', '0.01']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('phase 2 beta: down restores the schema and keeps every write | FAILED');
    expect(r.stdout).toContain('+ index sample.items_name_idx');
  });

  it('Ctrl-C mid-cycle: exits 130 and removes its scratch database', async () => {
    const child = spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', adminUrl(), 'verify-rollback', '--scale', '0.02'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    try {
      // Its scratch database is the one its backends (named after its pid) are connected to.
      let scratch: string | undefined;
      for (let i = 0; i < 600 && !(scratch && stderr.includes('phase 1 (')); i++) {
        await new Promise((r) => setTimeout(r, 50));
        const [row] = await admin<{ datname: string }[]>`
          select datname from pg_stat_activity where application_name = ${`cortex (pid ${child.pid})`} and datname like 'cortex_vr_%' limit 1`;
        scratch ??= row?.datname;
      }
      expect(scratch, stderr).toMatch(/^cortex_vr_/);
      child.kill('SIGINT');
      expect(await exited, stderr).toBe(130);
      expect(stderr).toMatch(/error: interrupted by SIGINT after \d+ case\(s\); the scratch database was removed/);
      const [left] = await admin<{ n: number }[]>`select count(*)::int as n from pg_database where datname = ${scratch!}`;
      expect(left!.n).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await admin.end();
    }
    expect(stdout).toBe('');
  });
});
