import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CortexError } from '../../src/errors.js';
import { loadCortexPlan, loadPlan } from '../../src/plan/loader.js';
import { runCli } from '../helpers/cli.js';
import { createDatabase, dropDatabase, useFreshDatabase } from '../helpers/db.js';
import { samplePlan } from '../helpers/plan.js';

const db = useFreshDatabase('loader');

/** A plan outside the package whose one step is the module `file` with `text`. */
function modulePlan(file: string, text: string): string {
  const root = mkdtempSync(join(tmpdir(), 'cortex-mjsplan-'));
  mkdirSync(join(root, 'phases', '1-one'), { recursive: true });
  writeFileSync(join(root, 'phases', '1-one', 'phase.json'), '{"name":"one"}');
  writeFileSync(join(root, 'phases', '1-one', file), text);
  return root;
}

describe('plan loader', () => {
  it('loads the sample plan in order with stable checksums', async () => {
    const a = await loadPlan(samplePlan);
    const b = await loadPlan(samplePlan);
    expect(a.phases.map((p) => p.steps.map((s) => s.id))).toEqual([
      ['1-alpha/001-create-schema', '1-alpha/002-create-table'],
      ['2-beta/001-add-column', '2-beta/002-create-index'],
      ['3-gamma/001-seed-rows', '3-gamma/002-guarded-step'],
    ]);
    expect(a.phases[1]!.steps[1]!.transactional).toBe(false);
    expect(a.phases.flatMap((p) => p.steps.map((s) => s.checksum))).toEqual(b.phases.flatMap((p) => p.steps.map((s) => s.checksum)));
  });

  it('declares the six Cortex phases', async () => {
    const plan = await loadCortexPlan();
    expect(plan.phases.map((p) => `${p.number}-${p.name}`)).toEqual([
      '1-schema', '2-id-mapping', '3-backfill', '4-dual-write', '5-validation', '6-archive',
    ]);
  });

  it('the archive phase must be confirmed, and its validation check runs before the question', async () => {
    const plan = await loadCortexPlan();
    const asking = plan.phases.filter((p) => p.confirm);
    expect(asking.map((p) => p.number)).toEqual([6]);
    expect(asking[0]!.confirm).toContain('renames the legacy schemas');
    expect(asking[0]!.steps.filter((s) => s.check).map((s) => s.id)).toEqual(['6-archive/010-archive-legacy']);
    expect(plan.phases.every((p) => p.down)).toBe(true);
  });

  it('refuses a plan directory that is missing or has no phases, naming it', async () => {
    await expect(loadPlan('/nonexistent/plan')).rejects.toThrow('plan directory /nonexistent/plan does not exist');
    const empty = mkdtempSync(join(tmpdir(), 'cortex-emptyplan-'));
    await expect(loadPlan(empty)).rejects.toThrow(`plan directory ${empty} has no phases`);
    mkdirSync(join(empty, 'phases', 'notes'), { recursive: true });
    await expect(loadPlan(empty)).rejects.toThrow(`plan directory ${empty} has no phases`);
  });

  it('a SQL step with check.sql has a check, and check.sql is part of its checksum', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cortex-check-'));
    mkdirSync(join(root, 'phases', '1-one'), { recursive: true });
    mkdirSync(join(root, 'migrations', '1-one', '001-make'), { recursive: true });
    writeFileSync(join(root, 'phases', '1-one', 'phase.json'), '{"name":"one"}');
    for (const f of ['up.sql', 'down.sql', 'verify.sql']) writeFileSync(join(root, 'migrations', '1-one', '001-make', f), 'select 1 as id');
    const without = (await loadPlan(root)).phases[0]!.steps[0]!;
    expect(without.check).toBeUndefined();
    writeFileSync(join(root, 'migrations', '1-one', '001-make', 'check.sql'), 'select 1');
    const withCheck = (await loadPlan(root)).phases[0]!.steps[0]!;
    expect(typeof withCheck.check).toBe('function');
    expect(withCheck.checksum).not.toBe(without.checksum);
  });

  it('check-down.sql gives a SQL step a check, changes its checksum only when present, and its RAISE refuses the down', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cortex-checkdown-'));
    const dir = join(root, 'migrations', '1-one', '001-make');
    mkdirSync(join(root, 'phases', '1-one'), { recursive: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(root, 'phases', '1-one', 'phase.json'), '{"name":"one"}');
    for (const f of ['up.sql', 'down.sql', 'verify.sql']) writeFileSync(join(dir, f), 'select 1 as id');
    const without = (await loadPlan(root)).phases[0]!.steps[0]!;
    writeFileSync(join(dir, 'check-down.sql'), "do $$ begin raise exception 'tasks 1 are referenced'; end $$");
    const withCheck = (await loadPlan(root)).phases[0]!.steps[0]!;
    expect(typeof withCheck.check).toBe('function');
    expect(withCheck.checksum).not.toBe(without.checksum);
    const db = await createDatabase('checkdown');
    try {
      const ctx = { sql: db.sql, settings: {}, log: () => {} } as never;
      await expect(withCheck.down(ctx)).rejects.toMatchObject({ code: 'REFUSED', message: 'tasks 1 are referenced' });
      await expect(withCheck.check!(ctx, 'down')).rejects.toThrow('tasks 1 are referenced');
      await expect(withCheck.check!(ctx, 'up')).resolves.toBeUndefined();
    } finally {
      await dropDatabase(db);
    }
  });

  it('loads a TypeScript step next to SQL steps, ordered by number', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cortex-tsplan-'));
    mkdirSync(join(root, 'phases', '1-one'), { recursive: true });
    mkdirSync(join(root, 'migrations', '1-one', '001-make'), { recursive: true });
    writeFileSync(join(root, 'phases', '1-one', 'phase.json'), '{"name":"one"}');
    for (const f of ['up.sql', 'down.sql', 'verify.sql']) writeFileSync(join(root, 'migrations', '1-one', '001-make', f), 'select 1 as id');
    writeFileSync(
      join(root, 'phases', '1-one', '002-fill.ts'),
      `export const transactional = false;
       export async function up() { return { rows: 7 }; }
       export async function down() {}
       export async function verify() { return [{ id: 'ts-check', status: 'passed' }]; }`,
    );
    const plan = await loadPlan(root);
    const [sqlStep, tsStep] = plan.phases[0]!.steps;
    expect(sqlStep!.id).toBe('1-one/001-make');
    expect(tsStep!.id).toBe('1-one/002-fill');
    expect(tsStep!.transactional).toBe(false);
    expect(await tsStep!.up({} as never)).toEqual({ rows: 7 });
    expect(await tsStep!.verify({} as never)).toEqual([{ id: 'ts-check', status: 'passed' }]);
  });

  it('rejects a step folder missing down.sql', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cortex-badplan-'));
    mkdirSync(join(root, 'phases', '1-one'), { recursive: true });
    mkdirSync(join(root, 'migrations', '1-one', '001-make'), { recursive: true });
    writeFileSync(join(root, 'phases', '1-one', 'phase.json'), '{"name":"one"}');
    writeFileSync(join(root, 'migrations', '1-one', '001-make', 'up.sql'), 'select 1');
    await expect(loadPlan(root)).rejects.toThrow(CortexError);
    await expect(loadPlan(root)).rejects.toThrow(/has no down.sql/);
  });

  it('from the built CLI, a plan outside the package runs .mjs step modules; a .ts one is refused saying so', async () => {
    const mjs = modulePlan('001-make-table.mjs', `
      export async function up({ sql }) { await sql\`create table public.from_mjs (id integer)\`; }
      export async function down({ sql }) { await sql\`drop table public.from_mjs\`; }
      export async function verify({ sql }) {
        const [r] = await sql\`select to_regclass('public.from_mjs') is not null as ok\`;
        return [{ id: 'table-exists', status: r.ok ? 'passed' : 'failed' }];
      }`);
    const up = await runCli(['--database-url', db().url, '--plan', mjs, 'migrate', 'all']);
    expect(up.code, up.stderr).toBe(0);
    const [t] = await db().sql<{ ok: boolean }[]>`select to_regclass('public.from_mjs') is not null as ok`;
    expect(t!.ok).toBe(true);
    const ts = modulePlan('001-make-table.ts', 'export async function up() {}');
    const refused = await runCli(['--database-url', db().url, '--plan', ts, 'status']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/TypeScript module .*001-make-table\.ts is outside the package and cannot run compiled: write it as an \.mjs module/);
  });

  it('a phase.json that is not JSON, or a step.json that is not strict, is a usage error naming the file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cortex-badjson-'));
    mkdirSync(join(root, 'phases', '1-one'), { recursive: true });
    mkdirSync(join(root, 'migrations', '1-one', '001-make'), { recursive: true });
    for (const f of ['up.sql', 'down.sql', 'verify.sql']) writeFileSync(join(root, 'migrations', '1-one', '001-make', f), 'select 1 as id');
    writeFileSync(join(root, 'phases', '1-one', 'phase.json'), '{name: "one"}');
    await expect(loadPlan(root)).rejects.toThrow(new RegExp(`${join(root, 'phases', '1-one', 'phase.json')}: not valid JSON`));
    writeFileSync(join(root, 'phases', '1-one', 'phase.json'), '{"name": "one"}');
    writeFileSync(join(root, 'migrations', '1-one', '001-make', 'step.json'), '{"transactionnal": false}');
    await expect(loadPlan(root)).rejects.toThrow(/001-make\/step\.json: Unrecognized key.*"transactionnal"/);
    writeFileSync(join(root, 'migrations', '1-one', '001-make', 'step.json'), '{"transactional": false}');
    expect((await loadPlan(root)).phases[0]!.steps[0]!.transactional).toBe(false);
  });
});
