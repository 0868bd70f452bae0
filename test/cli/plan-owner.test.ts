// A database belongs to the plan whose steps it records: another plan is refused (exit 6) by
// every command that reads the ledger, naming both plans; a ledger from before names were
// recorded is inferred from its step ids and adopted; reports and status name the plan.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { ReportSchema } from '../../src/verify/report.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';
import { samplePlan } from '../helpers/plan.js';

const db = useFreshDatabase('owner');
const AI = packagePath('fixtures', 'plans', '001-cortex-ai');
const AURORA = packagePath('fixtures', 'plans', '002-aurora-merge');
const reports = mkdtempSync(join(tmpdir(), 'cortex-owner-reports-'));
const cli = (plan: string | null, args: string[]) =>
  runCli(['--database-url', db().url, ...(plan ? ['--plan', plan] : []), '--reports-dir', reports, ...args], { timeoutMs: 60_000 });
const planColumn = async () => (await db().sql<{ step_id: string; plan: string | null }[]>`
  select step_id, to_jsonb(s) ->> 'plan' as plan from cortex_migration.steps s order by step_id`);

describe('one plan per database', () => {
  it('records the plan with its steps; another plan is refused by migrate, status, diff, verify and plan (exit 6), naming both', async () => {
    const up = await cli(AI, ['migrate', 'phase', '1']);
    expect(up.code, up.stderr).toBe(0);
    expect(new Set((await planColumn()).map((r) => r.plan))).toEqual(new Set(['cortex-ai']));

    const wrong = await cli(AURORA, ['migrate', 'phase', '1']);
    expect(wrong.code, wrong.stderr).toBe(6);
    expect(wrong.stderr).toContain(`this database belongs to plan cortex-ai (its ledger records steps of it), not to plan aurora-merge (--plan ${AURORA}): ` +
      'run cortex with --plan <the directory of plan cortex-ai>, or roll cortex-ai back (every phase, with that plan) before using aurora-merge');
    expect(wrong.stderr).not.toContain('drift');
    // Refused before anything changed: no organisation table, the ledger as it was.
    const [t] = await db().sql<{ ok: boolean }[]>`select to_regclass('public.organizations') is null as ok`;
    expect(t!.ok).toBe(true);
    expect((await planColumn()).length).toBe(4);

    for (const args of [['status'], ['diff'], ['verify'], ['plan', 'phase', '1'], ['rollback', 'phase', '1', '--yes']]) {
      const r = await cli(AURORA, args);
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(6);
      expect(r.stderr).toContain('this database belongs to plan cortex-ai (its ledger records steps of it), not to plan aurora-merge');
    }
    const json = await cli(AURORA, ['--json', 'status']);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'WRONG_PLAN' });
    // The built-in plan (no --plan) is told apart the same way.
    const builtIn = await cli(null, ['status']);
    expect(builtIn.code).toBe(6);
    expect(builtIn.stderr).toContain('not to plan cortex (the built-in plan, without --plan): run cortex with --plan <the directory of plan cortex-ai>');

    // A database of the built-in plan says to leave out --plan (its name set here as that plan would record it).
    await db().sql`update cortex_migration.steps set plan = 'cortex'`;
    const ofBuiltIn = await cli(AI, ['status']);
    expect(ofBuiltIn.code).toBe(6);
    expect(ofBuiltIn.stderr).toContain('this database belongs to plan cortex (its ledger records steps of it), not to plan cortex-ai ' +
      `(--plan ${AI}): run cortex without --plan (cortex is the built-in plan), or roll cortex back`);
    await db().sql`update cortex_migration.steps set plan = 'cortex-ai'`;

    // The right plan is untouched by all this.
    const status = await cli(AI, ['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout.split('\n')[0]).toBe(`plan cortex-ai (${AI})`);
  });

  it('names the plan in reports (JSON, Markdown, the stored one) and in text status', async () => {
    const verify = await cli(AI, ['verify']);
    expect(verify.code, verify.stderr).toBe(0);
    const files = readdirSync(reports).filter((f) => f.includes('-verify.'));
    const json = ReportSchema.parse(JSON.parse(readFileSync(join(reports, files.find((f) => f.endsWith('.json'))!), 'utf8')));
    expect(json.plan).toEqual({ name: 'cortex-ai' });
    expect(readFileSync(join(reports, files.find((f) => f.endsWith('.md'))!), 'utf8')).toContain('\n- plan: cortex-ai\n');
    const last = await cli(AI, ['report', '--last']);
    expect(last.stdout).toContain('- plan: cortex-ai');
    const [stored] = await db().sql<{ plan: string }[]>`select report -> 'plan' ->> 'name' as plan from cortex_migration.reports order by id desc limit 1`;
    expect(stored!.plan).toBe('cortex-ai');
  });

  it('a ledger from before plan names: the plan owning its step ids runs and is recorded; another is refused', async () => {
    // As an older cortex left it: no plan column at all.
    await db().sql`alter table cortex_migration.steps drop column plan`;
    const other = await cli(AURORA, ['status']);
    expect(other.code).toBe(6);
    expect(other.stderr).toContain(`this database belongs to another plan than plan aurora-merge (--plan ${AURORA}): ` +
      'its ledger holds step 1-tables/001-create-identity and 3 more, none of them in aurora-merge, and no plan name (it predates recorded names)');
    // Read-only status infers the owner without writing anything.
    const status = await cli(AI, ['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/phase 1 tables\s+applied/);
    expect((await planColumn()).map((r) => r.plan)).toEqual([null, null, null, null]);
    // The first run of that plan adopts the ledger; from then on the name decides.
    const up = await cli(AI, ['migrate', 'phase', '2']);
    expect(up.code, up.stderr).toBe(0);
    expect(new Set((await planColumn()).map((r) => r.plan))).toEqual(new Set(['cortex-ai']));
    expect((await cli(AURORA, ['status'])).stderr).toContain('this database belongs to plan cortex-ai');
  });

  it('is free for any plan once no step is applied or failed', async () => {
    for (const n of ['2', '1']) {
      const down = await cli(AI, ['rollback', 'phase', n, '--yes']);
      expect(down.code, down.stderr).toBe(0);
    }
    expect(await planColumn()).toEqual([]);
    const sample = await cli(samplePlan, ['migrate', 'phase', '1']);
    expect(sample.code, sample.stderr).toBe(0);
    const back = await cli(AI, ['migrate', 'phase', '1']);
    expect(back.code).toBe(6);
    // A plan without plan.json is named custom.
    expect(back.stderr).toContain('this database belongs to plan custom (its ledger records steps of it), not to plan cortex-ai');
  });

  it('top-level help describes any plan and --plan', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Migrate a live PostgreSQL database by a plan');
    expect(help.stdout).toMatch(/--plan\s+<dir> picks the plan/);
    expect(help.stdout).not.toContain('from the legacy layout to the Cortex architecture in six reversible');
  });
});
