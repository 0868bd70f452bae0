import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLockHolder } from '../../src/db/lock.js';
import { ledgerExists } from '../../src/runner/ledger.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';
import { samplePlan } from '../helpers/plan.js';

const db = useFreshDatabase('inp');
const scratch = mkdtempSync(join(tmpdir(), 'cortex-inputs-'));
// A CLI that hangs (the reports directory under /proc once did) is killed and fails its test.
const cli = (args: string[]) => runCli(['--database-url', db().url, ...args], { timeoutMs: 60_000 });

function config(values: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(scratch, 'cfg-')), 'cortex.config.json');
  writeFileSync(file, JSON.stringify(values));
  return file;
}

// Nothing happened on the database: no ledger, no run lock left behind.
async function untouched(): Promise<void> {
  expect(await ledgerExists(db().sql)).toBe(false);
  expect(await runLockHolder(db().sql)).toBeNull();
}

describe('a reports directory that cannot take the reports', () => {
  const file = join(scratch, 'a-file');
  writeFileSync(file, 'not a directory');

  it('a file: exit 2 with one line, before phase 1 is applied', async () => {
    const r = await cli(['--plan', samplePlan, '--reports-dir', file, 'migrate', 'phase', '1']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(`error: reports directory ${file} is not a directory\n`);
    await untouched();
  });

  it('a path under a file, and the same in --json (USAGE, not INTERNAL)', async () => {
    const r = await cli(['--json', '--plan', samplePlan, '--reports-dir', join(file, 'sub'), 'migrate', 'all']);
    expect(r.code, r.stderr).toBe(2);
    const env = JSON.parse(r.stdout);
    expect(env.error.code).toBe('USAGE');
    expect(env.error.message).toMatch(new RegExp(`^reports directory ${join(file, 'sub')} cannot be created: ENOTDIR`));
    await untouched();
  });

  it('one that cannot be created (/proc): exit 2 at once instead of spinning with the lock held', async () => {
    const r = await cli(['--plan', samplePlan, '--reports-dir', '/proc/cortex-reports', 'migrate', 'phase', '1']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe("error: reports directory /proc/cortex-reports cannot be created: ENOENT: no such file or directory, mkdir '/proc/cortex-reports'\n");
    await untouched();
  });

  it("the config's reportsDir is checked the same way, for rollback, verify and validate too", async () => {
    const cfg = config({ reportsDir: file });
    for (const args of [['rollback', 'phase', '1', '--yes'], ['verify'], ['validate']]) {
      const r = await cli(['--plan', samplePlan, '--config', cfg, ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toBe(`error: reports directory ${file} is not a directory\n`);
    }
    await untouched();
  });

  it('an empty one, or a database URL given by mistake: exit 2, and no directory named after the URL', async () => {
    const empty = await cli(['--plan', samplePlan, '--reports-dir', '', 'migrate', 'phase', '1']);
    expect(empty.code, empty.stderr).toBe(2);
    expect(empty.stderr).toBe('error: reports directory is empty\n');
    const url = `postgres://u:Hidden99@127.0.0.1:5432/db`;
    const r = await runCli(['--database-url', db().url, '--plan', samplePlan, '--reports-dir', url, 'migrate', 'phase', '1'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe('error: reports directory looks like a URL, not a directory: postgres://u:****@127.0.0.1:5432/db\n');
    expect(existsSync('postgres:')).toBe(false);
    await untouched();
  });

  it('a missing one is created, with its parents', async () => {
    const dir = join(scratch, 'new', 'reports');
    const r = await cli(['--plan', samplePlan, '--reports-dir', dir, 'migrate', 'phase', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`report: ${dir}/`);
  });
});

describe('a plan directory that is not a plan', () => {
  it('--plan naming a missing directory: exit 2 naming it, not "nothing to do"', async () => {
    const r = await cli(['--plan', '/nonexistent/plan', 'migrate', 'all']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe('error: plan directory /nonexistent/plan does not exist\n');
  });

  it('a directory without phases, and a file: exit 2', async () => {
    const empty = mkdtempSync(join(scratch, 'plan-'));
    const r = await cli(['--plan', empty, 'migrate', 'all']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(`error: plan directory ${empty} has no phases (expected phases/<N>-<name>/phase.json)\n`);
    const f = await cli(['--plan', join(scratch, 'a-file'), 'status']);
    expect(f.code, f.stderr).toBe(2);
    expect(f.stderr).toBe(`error: plan directory ${join(scratch, 'a-file')} is not a directory\n`);
  });

  it("the config's plan naming a missing directory: exit 2", async () => {
    const r = await cli(['--config', config({ plan: '/nonexistent/plan' }), 'migrate', 'all']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe('error: plan directory /nonexistent/plan does not exist\n');
  });
});

describe('the pace of batched work', () => {
  it('migrate and rollback both take --batch-size, --batch-delay and --max-rows-per-second, checked before the database is opened', async () => {
    for (const command of [['migrate', 'phase', '1'], ['rollback', 'phase', '1', '--yes']]) {
      const zero = await cli(['--plan', samplePlan, ...command, '--batch-size', '0']);
      expect(zero.code).toBe(2);
      expect(zero.stderr).toBe('error: --batch-size must be at least 1\n');
      const bad = await cli(['--plan', samplePlan, ...command, '--max-rows-per-second', 'fast']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe('error: --max-rows-per-second must be a non-negative integer, got "fast"\n');
    }
  });
});
