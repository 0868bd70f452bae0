import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';
import { parseXml } from '../helpers/xml.js';

// A one-phase plan named like a validation phase (so `validate` runs it): two steps, three checks;
// one check fails once a row is flagged, with control characters and markup in what it reports.
function validationPlan(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cortex-junit-plan-'));
  mkdirSync(join(dir, 'phases', '1-validation'), { recursive: true });
  writeFileSync(join(dir, 'phases', '1-validation', 'phase.json'), '{ "name": "validation", "description": "checks" }');
  const step = (slug: string, up: string, down: string, verify: string) => {
    const d = join(dir, 'migrations', '1-validation', slug);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'up.sql'), up);
    writeFileSync(join(d, 'down.sql'), down);
    writeFileSync(join(d, 'verify.sql'), verify);
  };
  step('001-create-flags', 'create table junit_flags (bad boolean not null);', 'drop table junit_flags;',
    `select 'table-exists' as id, to_regclass('junit_flags') is not null as ok
     union all
     select 'no-flag', not exists (select 1 from junit_flags where bad)`);
  step('002-noop', 'select 1;', 'select 1;',
    `select 'reports' as id, case when exists (select 1 from junit_flags) then 'failed' else 'passed' end as status,
            E'bell\\x07 esc\\x1b & <tag> "q"' as details`);
  return dir;
}

describe('--junit on verify and validate', () => {
  const db = useFreshDatabase('junit');
  let plan: string;
  const out = mkdtempSync(join(tmpdir(), 'cortex-junit-'));
  beforeAll(async () => {
    plan = validationPlan();
    const r = await runCli(['--database-url', db().url, '--plan', plan, '--reports-dir', join(out, 'reports'), 'migrate', 'phase', '1']);
    expect(r.code, r.stderr).toBe(0);
    await db().sql`insert into junit_flags values (true)`;
  });

  it.each([['verify'], ['validate']])('cortex %s --junit f: one valid case per check, with classname and time', async (command) => {
    const file = join(out, command, 'junit.xml');
    const r = await runCli(['--database-url', db().url, '--plan', plan, '--reports-dir', join(out, 'reports'), command, '--junit', file]);
    expect(r.code, r.stderr).toBe(1);
    const suite = parseXml(readFileSync(file, 'utf8'));
    expect(suite.attrs).toMatchObject({ name: `cortex ${command}`, tests: '3', failures: '2' });
    expect(suite.children.map((c) => c.attrs.name)).toEqual([
      '1-validation/001-create-flags: table-exists',
      '1-validation/001-create-flags: no-flag',
      '1-validation/002-noop: reports',
    ]);
    for (const c of suite.children) {
      expect(c.attrs.classname).toBe('phase 1 validation');
      expect(c.attrs.time).toMatch(/^\d+\.\d{3}$/);
    }
    expect(suite.children[2]!.children[0]!.attrs.message).toBe('failed: bell\\u{0007} esc\\u{001b} & <tag> "q"');
  });
});
