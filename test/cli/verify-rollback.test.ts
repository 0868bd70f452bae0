import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { adminUrl } from '../helpers/db.js';
import { copySamplePlan } from '../helpers/plan.js';

describe('cortex verify-rollback', () => {
  it('passes on the Cortex plan: every phase up, verify, down, identical, up again; JUnit per case', async () => {
    const junit = join(mkdtempSync(join(tmpdir(), 'cortex-junit-')), 'nested', 'vr.xml');
    const r = await runCli(['--database-url', adminUrl(), 'verify-rollback', '--scale', '0.02', '--junit', junit]);
    expect(r.code, r.stdout.slice(-1500)).toBe(0);
    expect(r.stdout).toContain('| phase 3 backfill: down restores schema and data | passed |');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('tests="31" failures="0"');
  });

  it('exits 1 and names what a broken down step leaves behind', async () => {
    const plan = copySamplePlan();
    writeFileSync(join(plan, 'migrations', '2-beta', '002-create-index', 'down.sql'), 'select 1;');
    const r = await runCli(['--database-url', adminUrl(), '--plan', plan, 'verify-rollback', '--scale', '0.01']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('phase 2 beta: down restores schema and data | FAILED');
    expect(r.stdout).toContain('+ index sample.items_name_idx');
  });
});
