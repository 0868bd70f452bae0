import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { migra } from '../../bench/lib/migra.js';
import { type TestDatabase, useFreshDatabase } from '../helpers/db.js';

const a = useFreshDatabase('dfa');
const b = useFreshDatabase('dfb');

const BASE = `
  create schema s;
  create type s.mood as enum ('sad', 'ok');
  create sequence s.counter;
  create table s.t (id int primary key, name text, label text collate "C", m s.mood, n int default nextval('s.counter'));
  create index t_name_idx on s.t (name);
  create view s.v as select id, name from s.t;
  create function s.f() returns trigger language plpgsql as $$ begin return new; end $$;
  create trigger t_trg before insert on s.t for each row execute function s.f();`;

async function setup(db: TestDatabase, extra = ''): Promise<void> {
  await db.sql.unsafe(BASE + extra);
}

describe('snapshot and diff', () => {
  it('identical databases: exit 0; a snapshot file diffs equal to its database', async () => {
    await setup(a());
    await setup(b());
    const same = await runCli(['--database-url', a().url, 'diff', '--from', b().url, '--schema', 's']);
    expect(same.code, same.stdout).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'cortex-snap-'));
    const file = join(dir, 'a.json');
    expect((await runCli(['--database-url', a().url, 'snapshot', '--out', file, '--schema', 's'])).code).toBe(0);
    const snap = JSON.parse(readFileSync(file, 'utf8'));
    expect(snap.format).toBe('cortex-snapshot/1');
    expect(snap.objects.map((o: { kind: string }) => o.kind)).toEqual(expect.arrayContaining(['table', 'view', 'sequence', 'enum', 'trigger', 'function', 'index', 'constraint', 'column']));
    expect((await runCli(['--database-url', a().url, 'diff', '--from', file, '--schema', 's'])).code).toBe(0);
  });

  // The same pairs through @pgkit/migra: `migraSees` records what it reports, so the test fails if
  // either tool's behaviour changes (migra ignores sequence attributes; cortex must not).
  it.each([
    ['a column collation', `alter table s.t alter column label type text collate "POSIX"`, 'column s.t.label', true],
    ['an enum value', `alter type s.mood add value 'glad'`, 'enum s.mood', true],
    ['a trigger', `drop trigger t_trg on s.t`, 'trigger s.t.t_trg', true],
    ['a function body', `create or replace function s.f() returns trigger language plpgsql as $$ begin new.id := new.id; return new; end $$`, 'function s.f()', true],
    ['a view', `create or replace view s.v as select id, name, m from s.t`, 'view s.v', true],
    ['a sequence', `alter sequence s.counter increment by 5`, 'sequence s.counter', false],
    ['an index', `drop index s.t_name_idx`, 'index s.t_name_idx', true],
  ])('sees %s (exit 1, names it), as migra does or not', async (_kind, change, name, migraSees) => {
    await b().sql.unsafe(change);
    const r = await runCli(['--database-url', b().url, 'diff', '--from', a().url, '--schema', 's']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(name);
    const m = await migra(a().url, b().url, 's');
    expect(m.statements.length > 0).toBe(migraSees);
    // Put b back in line with a for the next case; both tools agree it is equal again.
    await b().sql.unsafe('drop schema s cascade');
    await setup(b());
    expect((await runCli(['--database-url', b().url, 'diff', '--from', a().url, '--schema', 's'])).code).toBe(0);
    expect((await migra(a().url, b().url, 's')).statements).toEqual([]);
  });

  it('--to without --from is a usage error (exit 2)', async () => {
    const r = await runCli(['--database-url', a().url, 'diff', '--to', b().url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--to needs --from');
  });
});
