import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/client.js';
import { runCli } from '../helpers/cli.js';
import { type TestDatabase, useFreshDatabase } from '../helpers/db.js';

const a = useFreshDatabase('dsa');
const b = useFreshDatabase('dsb');

// Roles are cluster-wide and the test server shared: this file's own, dropped after.
const ROLE = `cortex_ds_${process.pid}`;

const BASE = `
  create schema s;
  create table s.t (id int primary key, owner text);
  create statistics s.st (ndistinct) on id, owner from s.t;
  create type s.c as (a int, b text);
  create function s.f() returns int language sql as $$ select 1 $$;`;

async function reset(db: TestDatabase): Promise<void> {
  await db.sql.unsafe(`drop schema if exists s cascade; ${BASE}`);
}

const diff = () => runCli(['--database-url', b().url, 'diff', '--from', a().url, '--schema', 's']);

type Change = string | ((sql: Sql) => Promise<unknown>);
const apply = (db: TestDatabase, c: Change) => (typeof c === 'string' ? db.sql.unsafe(c) : c(db.sql));

describe('diff sees comments, owners, rules, statistics, types, default privileges and settings (real PostgreSQL)', () => {
  beforeAll(async () => {
    await a().sql`create role ${a().sql(ROLE)}`;
    await reset(a());
    await reset(b());
  });

  afterAll(async () => {
    for (const db of [a(), b()]) await db.sql`drop owned by ${db.sql(ROLE)}`;
    await a().sql`drop role ${a().sql(ROLE)}`;
  });

  it('equal databases: exit 0', async () => {
    const r = await diff();
    expect(r.code, r.stdout).toBe(0);
  });

  it.each<[string, Change, RegExp]>([
    ['a table comment', `comment on table s.t is 'people'`, /~ table s\.t: comment null → "people"/],
    ['a column comment', `comment on column s.t.owner is 'who'`, /~ column s\.t\.owner: comment null → "who"/],
    ['a constraint comment', `comment on constraint t_pkey on s.t is 'key'`, /~ constraint s\.t\.t_pkey: comment null → "key"/],
    ['an index comment', `comment on index s.t_pkey is 'key'`, /~ index s\.t_pkey: comment null → "key"/],
    ['a function comment', `comment on function s.f() is 'one'`, /~ function s\.f\(\): comment null → "one"/],
    ['a schema comment', `comment on schema s is 'app'`, /~ schema s: comment null → "app"/],
    ['a type comment', `comment on type s.c is 'pair'`, /~ composite s\.c: comment null → "pair"/],
    ['a table owner', (sql) => sql`alter table s.t owner to ${sql(ROLE)}`, new RegExp(`~ table s\\.t: owner "[^"]+" → "${ROLE}"`)],
    ['a function owner', (sql) => sql`alter function s.f() owner to ${sql(ROLE)}`, new RegExp(`~ function s\\.f\\(\\): owner "[^"]+" → "${ROLE}"`)],
    ['a schema owner', (sql) => sql`alter schema s owner to ${sql(ROLE)}`, new RegExp(`~ schema s: owner "[^"]+" → "${ROLE}"`)],
    ['a rule', 'create rule r as on delete to s.t do instead nothing', /\+ rule s\.t\.r$/m],
    ['statistics', 'create statistics s.st2 (dependencies) on id, owner from s.t', /\+ statistics s\.st2$/m],
    ['a statistics target', 'alter statistics s.st set statistics 500', /~ statistics s\.st: target null → 500/],
    ['a composite attribute', 'alter type s.c alter attribute b type varchar(10)', /~ composite s\.c: attributes "a integer, b text" → "a integer, b character varying\(10\)"/],
    ['a range type', 'create type s.r as range (subtype = int4)', /\+ range s\.r$/m],
    ['default privileges', 'alter default privileges in schema s grant select on tables to public', /\+ default privileges s for \S+ on tables$/m],
    ['replica identity', 'alter table s.t replica identity full', /~ table s\.t: replica_identity "default" → "full"/],
    ['replica identity using an index', 'alter table s.t replica identity using index t_pkey', /~ table s\.t: replica_identity "default" → "index t_pkey"/],
    ['storage parameters', 'alter table s.t set (fillfactor = 70)', /~ table s\.t: options null → "fillfactor=70"/],
    ['column storage and statistics', 'alter table s.t alter owner set storage external, alter owner set statistics 200', /~ column s\.t\.owner: statistics null → 200; storage null → "external"/],
    ['a function volatility', 'alter function s.f() stable', /~ function s\.f\(\): volatility "v" → "s"/],
    ['a function search_path', 'alter function s.f() set search_path = s, pg_temp', /~ function s\.f\(\): config null → "search_path=s, pg_temp"/],
    ['function STRICT, COST, LEAKPROOF, PARALLEL', 'alter function s.f() strict cost 5 leakproof parallel safe', /~ function s\.f\(\): cost 100 → 5; leakproof false → true; parallel "u" → "s"; strict false → true/],
    ['SECURITY DEFINER', 'alter function s.f() security definer', /~ function s\.f\(\): security_definer false → true/],
  ])('%s (exit 1, names it)', async (_what, change, seen) => {
    await apply(b(), change);
    const r = await diff();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(seen);
    await reset(b());
  });

  it('the same storage parameters and function settings in another order are no difference', async () => {
    await a().sql.unsafe(`alter table s.t set (fillfactor = 70); alter table s.t set (autovacuum_enabled = false);
      alter function s.f() set search_path = s; alter function s.f() set work_mem = '8MB'`);
    await b().sql.unsafe(`alter table s.t set (autovacuum_enabled = false, fillfactor = 70);
      alter function s.f() set work_mem = '8MB'; alter function s.f() set search_path = s`);
    const [[x], [y]] = await Promise.all([a(), b()].map((db) => db.sql`select reloptions::text, (select proconfig::text from pg_proc where proname = 'f') from pg_class where relname = 't'`));
    expect(x).not.toEqual(y); // stored in another order
    const r = await diff();
    expect(r.code, r.stdout).toBe(0);
    await reset(a());
    await reset(b());
  });

  it('snapshot lists them, owners and default privileges included', async () => {
    await b().sql.unsafe(`comment on table s.t is 'people'; create rule r as on delete to s.t do instead nothing;
      alter default privileges in schema s grant select on tables to public; alter table s.t replica identity full`);
    const r = await runCli(['--database-url', b().url, 'snapshot', '--schema', 's']);
    expect(r.code, r.stderr).toBe(0);
    const objects = (JSON.parse(r.stdout) as { objects: { kind: string; name: string; attrs: Record<string, unknown> }[] }).objects;
    const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.name === name);
    expect(find('table', 's.t')?.attrs).toMatchObject({ comment: 'people', replica_identity: 'full', owner: expect.any(String) });
    expect(find('rule', 's.t.r')?.attrs).toMatchObject({ event: 'DELETE', instead: true, enabled: 'origin' });
    expect(find('statistics', 's.st')?.attrs).toMatchObject({ table: 's.t', definition: expect.stringContaining('(ndistinct)') });
    expect(objects.find((o) => o.kind === 'default privileges')?.attrs).toEqual({ privileges: 'PUBLIC: SELECT' });
    await reset(b());
  });
});
