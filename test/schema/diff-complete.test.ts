import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { type TestDatabase, useFreshDatabase } from '../helpers/db.js';

const a = useFreshDatabase('dca');
const b = useFreshDatabase('dcb');

// Grants go to PUBLIC: roles are cluster-wide, and the test server is shared.
const BASE = `
  create schema s;
  create table s.t (id int primary key, owner text);
  create policy p on s.t using (owner = current_user);
  create table s.m (id int, at date) partition by range (at);
  create table s.m_2024 partition of s.m for values from ('2024-01-01') to ('2025-01-01');
  create view s.v as select id from s.t;
  create function s.f() returns int language sql as $$
    select 1
  $$;`;

async function reset(db: TestDatabase): Promise<void> {
  await db.sql.unsafe(`drop schema if exists s cascade; ${BASE}`);
}

const diff = (schemas = ['s']) => runCli(['--database-url', b().url, 'diff', '--from', a().url, '--schema', ...schemas]);

describe('diff sees everything a schema holds (real PostgreSQL)', () => {
  beforeAll(async () => {
    await reset(a());
    await reset(b());
  });

  // Both start equal: each difference below is its change's alone.
  it('equal databases: exit 0', async () => {
    const r = await diff();
    expect(r.code, r.stdout).toBe(0);
  });

  it.each([
    ['row-level security enabled', 'alter table s.t enable row level security', /~ table s\.t: row_security false → true$/m],
    ['row-level security forced', 'alter table s.t force row level security', /~ table s\.t: force_row_security false → true/],
    ['a policy expression', 'alter policy p on s.t using (owner = session_user)', /~ policy s\.t\.p: using "\(owner = CURRENT_USER\)" → "\(owner = SESSION_USER\)"/],
    ['a policy WITH CHECK', 'alter policy p on s.t with check (id > 0)', /~ policy s\.t\.p: with_check null → "\(id > 0\)"/],
    ['a new policy', 'create policy q on s.t for delete using (true)', /\+ policy s\.t\.q/],
    [
      'a partition bound',
      `drop table s.m_2024; create table s.m_2024 partition of s.m for values from ('2024-01-01') to ('2024-07-01')`,
      /~ table s\.m_2024: partition_bound "FOR VALUES FROM \('2024-01-01'\) TO \('2025-01-01'\)" → "FOR VALUES FROM \('2024-01-01'\) TO \('2024-07-01'\)"/,
    ],
    ['a detached partition', 'alter table s.m detach partition s.m_2024', /~ table s\.m_2024: parents "s\.m" → null; partition_bound/],
    ['a table grant', 'grant update, select on s.t to public', /~ table s\.t: privileges null → "PUBLIC: SELECT, UPDATE"/],
    ['a column grant', 'grant update (owner) on s.t to public', /~ column s\.t\.owner: privileges null → "PUBLIC: UPDATE"/],
    ['a function revoke', 'revoke execute on function s.f() from public', /~ function s\.f\(\): privileges "PUBLIC: EXECUTE" → null/],
    ['a schema grant', 'grant usage on schema s to public', /~ schema s: privileges null → "PUBLIC: USAGE"/],
  ])('%s (exit 1, names it)', async (_what, change, seen) => {
    await b().sql.unsafe(change);
    const r = await diff();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(seen);
    await reset(b());
  });

  it('the same grants in another order are no difference', async () => {
    await a().sql.unsafe('grant select on s.t to public; grant update on s.t to public');
    await b().sql.unsafe('grant update, select on s.t to public');
    const r = await diff();
    expect(r.code, r.stdout).toBe(0);
    await reset(a());
    await reset(b());
  });

  it('a view body and a function body show as a unified diff of their text', async () => {
    await b().sql.unsafe(`
      create or replace view s.v as select id from s.t where id > 0;
      create or replace function s.f() returns int language sql as $$
    select 2
  $$`);
    const r = await diff();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/~ view s\.v: query changed \(-1 \+2 lines\)/);
    expect(r.stdout).toMatch(/^ +- +FROM s\.t;$/m);
    expect(r.stdout).toMatch(/^ +\+ +FROM s\.t$/m);
    expect(r.stdout).toMatch(/^ +\+ +WHERE (t\.)?id > 0;$/m);
    expect(r.stdout).toMatch(/~ function s\.f\(\): body changed \(-1 \+1 lines\)/);
    expect(r.stdout).toMatch(/^ +- {4}select 1$/m);
    expect(r.stdout).toMatch(/^ +\+ {4}select 2$/m);
    expect(r.stdout).not.toContain('hash');
    await reset(b());
  });

  it('table "x.y".z and table x."y.z" are two tables', async () => {
    await a().sql.unsafe('create schema "x.y"; create table "x.y".z (i int)');
    await b().sql.unsafe('create schema x; create table x."y.z" (i int)');
    const r = await diff(['x.y', 'x']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('- table "x.y".z');
    expect(r.stdout).toContain('+ table x."y.z"');
    expect(r.stdout).toContain('- column "x.y".z.i');
    expect(r.stdout).toContain('+ column x."y.z".i');
  });

  it('snapshot --schema, or diff --schema, naming a schema that does not exist is exit 2 naming it', async () => {
    const r = await runCli(['--database-url', a().url, 'snapshot', '--schema', 's', 'nosuchschema']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nosuchschema');
    expect(r.stdout).toBe('');
    const d = await diff(['s', 'nosuchschema']);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('nosuchschema in neither --from nor --to');
  });
});
