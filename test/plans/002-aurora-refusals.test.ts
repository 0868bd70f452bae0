// Plan 002's refusals through the built CLI: each names its phase and step (under `migrate all`
// too), and the contract phase's says what is true of phase 2's DEFAULT: still there, covering
// new rows, or dropped, so that new rows keep coming without an organisation.
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

const PLAN = packagePath('fixtures', 'plans', '002-aurora-merge');
const DEFAULT_ORG = '00000000-0000-4000-8000-000000000001';
const CONTRACT = 'phase 3 (contract) is refused by step 3-contract/001-check-no-null-org: org_id is NULL in messages: 2 rows';
const lastLine = (s: string) => s.trimEnd().split('\n').at(-1);

describe('plan 002 refusals', () => {
  const db = useFreshDatabase('p002r');
  const cli = (args: string[]) => runCli(['--database-url', db().url, '--plan', PLAN, '--reports-dir', packagePath('reports', 'test-002r'), ...args], { timeoutMs: 60_000 });

  it('migrate all names phase 3 and its step; with the DEFAULT dropped it says so and how to put it back', async () => {
    expect((await cli(['fixtures', 'load'])).code).toBe(0);
    for (const n of ['1', '2']) expect((await cli(['migrate', 'phase', n])).code).toBe(0);
    await db().sql`alter table public.messages alter column org_id drop default`;
    await db().sql`insert into public.messages (id, role, content) values (gen_random_uuid(), 'user', 'a'), (gen_random_uuid(), 'user', 'b')`;
    const dropped = `${CONTRACT}, and phase 2's DEFAULT is gone from org_id of messages, so new rows there get no organisation either; ` +
      `put it back (alter table public.messages alter column org_id set default '${DEFAULT_ORG}'), give those rows an organisation and run again`;
    const text = await cli(['migrate', 'all']);
    expect(text.code, text.stderr).toBe(6);
    expect(lastLine(text.stderr)).toBe(`error: ${dropped}`);
    const json = await cli(['--json', 'migrate', 'all']);
    expect(JSON.parse(json.stdout).error).toEqual({ code: 'REFUSED', message: dropped });

    // The DEFAULT back: the two rows are still NULL, and the message says new rows are covered, which they are.
    await db().sql.unsafe(`alter table public.messages alter column org_id set default '${DEFAULT_ORG}'`);
    const covered = await cli(['migrate', 'all']);
    expect(covered.code).toBe(6);
    expect(lastLine(covered.stderr)).toBe(`error: ${CONTRACT}; give those rows an organisation (phase 2's DEFAULT covers new rows) and run again`);
    const [row] = await db().sql<{ org: string }[]>`insert into public.messages (id, role, content) values (gen_random_uuid(), 'user', 'c') returning org_id as org`;
    expect(row!.org).toBe(DEFAULT_ORG);
  });

  it("a rollback refused by the backfill's check names the phase and step; then migrate all goes through", async () => {
    await db().sql`update public.messages set org_id = ${DEFAULT_ORG} where org_id is null`;
    await db().sql`insert into public.organizations (id, name, org_type) values (gen_random_uuid(), 'Acme', 'corporate')`;
    const [u] = await db().sql<{ id: string }[]>`
      update public.users set org_id = (select id from public.organizations where name = 'Acme')
      where id = (select id from public.users order by id limit 1) returning id`;
    const back = await cli(['rollback', 'phase', '2', '--yes']);
    expect(back.code, back.stderr).toBe(6);
    expect(lastLine(back.stderr)).toBe('error: rolling back phase 2 (backfill) is refused by step 2-backfill/003-backfill-org-id: ' +
      'rows already belong to another organisation than the default one (users: 1); moving them back to no organisation would lose that');
    await db().sql`update public.users set org_id = ${DEFAULT_ORG} where id = ${u!.id}`;
    const all = await cli(['migrate', 'all']);
    expect(all.code, all.stderr.slice(-600)).toBe(0);
  });
});
