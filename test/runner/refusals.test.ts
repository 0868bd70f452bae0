// A refusal from a step (its check before anything runs, or the step itself as it runs) names the
// phase and the step, in text and --json: under `migrate all` the step's own words do not say
// which phase refused, and the phases the run applied before it are said too.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

// Phase 1 a table; phase 2 gated by check.sql until public.gate_open exists, and its down by
// check-down.sql while public.keep_gate does; phase 3 a module whose up refuses as it runs.
function gatedPlan(): string {
  const root = mkdtempSync(join(tmpdir(), 'cortex-refusal-'));
  const file = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  file('phases/1-one/phase.json', '{ "name": "one", "description": "a table" }');
  file('migrations/1-one/001-make/up.sql', 'create table public.one (id int);');
  file('migrations/1-one/001-make/down.sql', 'drop table public.one;');
  file('migrations/1-one/001-make/verify.sql', "select 'one' as id, true as ok;");
  file('phases/2-gate/phase.json', '{ "name": "gate", "description": "refused until the gate is open" }');
  file('migrations/2-gate/001-gate/check.sql', "do $$ begin if to_regclass('public.gate_open') is null then raise exception 'the gate is closed'; end if; end $$;");
  file('migrations/2-gate/001-gate/check-down.sql', "do $$ begin if to_regclass('public.keep_gate') is not null then raise exception 'the gate is kept'; end if; end $$;");
  file('migrations/2-gate/001-gate/up.sql', 'create table public.gate (id int);');
  file('migrations/2-gate/001-gate/down.sql', 'drop table public.gate;');
  file('migrations/2-gate/001-gate/verify.sql', "select 'gate' as id, true as ok;");
  file('phases/3-late/phase.json', '{ "name": "late", "description": "refuses as it runs" }');
  file('phases/3-late/001-late.mjs', `import { CortexError } from '${pathToFileURL(packagePath('dist', 'src', 'errors.js')).href}';
export async function up() { throw new CortexError('REFUSED', 'the world changed'); }
export async function down() {}
export async function verify() { return []; }
`);
  return root;
}

describe('refusals name their phase and step', () => {
  const db = useFreshDatabase('refusal');
  const plan = gatedPlan();
  const cli = (args: string[]) => runCli(['--database-url', db().url, '--plan', plan, '--reports-dir', join(plan, 'reports'), ...args]);

  it("a step's check under migrate all: the phases applied, then the phase and step that refused", async () => {
    const r = await cli(['migrate', 'all']);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('error: applied phase 1; phase 2 (gate) is refused by step 2-gate/001-gate: the gate is closed');
    expect(r.stdout).toMatch(/^report: .*phase1-one-up\.md\n$/);
    const again = await cli(['--json', 'migrate', 'all']);
    expect(again.code).toBe(6);
    const env = JSON.parse(again.stdout);
    expect(env.error).toEqual({ code: 'REFUSED', message: 'phase 2 (gate) is refused by step 2-gate/001-gate: the gate is closed' });
  });

  it('a step that refuses as it runs, after its phase began: named the same way, nothing recorded', async () => {
    await db().sql`create table public.gate_open ()`;
    const r = await cli(['--json', 'migrate', 'all']);
    expect(r.code, r.stderr).toBe(6);
    const env = JSON.parse(r.stdout);
    expect(env.error).toEqual({ code: 'REFUSED', message: 'applied phase 2; phase 3 (late) is refused by step 3-late/001-late: the world changed' });
    expect(env.data.reports.map((x: { phase: number }) => x.phase)).toEqual([2]);
    const [s] = await db().sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.steps where phase = 3`;
    expect(s!.n).toBe(0);
  });

  it("a rollback refused by a step's check-down says it is the rollback that is refused", async () => {
    await db().sql`create table public.keep_gate ()`;
    const r = await cli(['rollback', 'phase', '2', '--yes']);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toBe('error: rolling back phase 2 (gate) is refused by step 2-gate/001-gate: the gate is kept\n');
  });
});
