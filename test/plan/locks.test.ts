import { describe, expect, it } from 'vitest';
import { LOCK_ORDER } from '../../src/plan/alter-table-locks.js';
import { analyzeLocks, PROCEDURAL_MODE } from '../../src/plan/locks.js';
import { splitStatements } from '../../src/plan/statements.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('locks');

describe('splitStatements', () => {
  it('splits on semicolons outside quotes, dollar quotes and comments', () => {
    const script = `-- a comment; not a split
create function f() returns int language sql as $$ select 1; $$;
insert into t values ('a;b', "x;y");
/* block; comment */ select $tag$ ; $tag$;
`;
    const parts = splitStatements(script);
    expect(parts).toHaveLength(3);
    expect(parts[0]).toContain('$$ select 1; $$');
    expect(parts[1]).toContain("'a;b'");
  });

  it('drops empty and comment-only statements', () => {
    expect(splitStatements(';;\n-- only a comment\n')).toEqual([]);
  });
});

describe('analyzeLocks', () => {
  it('names the lock each statement form takes', () => {
    const locks = analyzeLocks(`
      create table cortex_x.t (id int);
      alter table crm.tasks add column x int;
      create index concurrently i on crm.tasks (x);
      create index j on crm.notes (title);
      create trigger tr after insert on crm.contacts for each row execute function f();
      insert into cortex_x.t select 1;
      lock table crm.groups in share row exclusive mode;
      lock crm.notes;
      alter schema crm rename to crm_deprecated;`);
    expect(locks.map((l) => [l.mode, l.target])).toEqual([
      ['ACCESS EXCLUSIVE', 'crm.tasks'],
      ['SHARE UPDATE EXCLUSIVE', 'crm.tasks'],
      ['SHARE', 'crm.notes'],
      ['SHARE ROW EXCLUSIVE', 'crm.contacts'],
      ['ROW EXCLUSIVE', 'cortex_x.t'],
      ['SHARE ROW EXCLUSIVE', 'crm.groups'],
      ['ACCESS EXCLUSIVE', 'crm.notes'],
      ['ACCESS EXCLUSIVE (schema)', 'crm'],
    ]);
  });
});

describe('analyzeLocks on ALTER TABLE, foreign keys and procedural code', () => {
  const modes = (script: string) => analyzeLocks(script).map((l) => [l.mode, l.target]);

  it('ADD FOREIGN KEY: SHARE ROW EXCLUSIVE on the table and on the referenced table, NOT VALID noted', () => {
    const [own, parent] = analyzeLocks('alter table app.c add constraint c_fk foreign key (pid) references app.p (id) not valid');
    expect([own!.mode, own!.target, parent!.mode, parent!.target]).toEqual(['SHARE ROW EXCLUSIVE', 'app.c', 'SHARE ROW EXCLUSIVE', 'app.p']);
    expect(own!.note).toMatch(/^NOT VALID: existing rows are not checked/);
    const valid = analyzeLocks('ALTER TABLE c ADD FOREIGN KEY (pid) REFERENCES "P"(id)');
    expect(valid.map((l) => [l.mode, l.target])).toEqual([['SHARE ROW EXCLUSIVE', 'c'], ['SHARE ROW EXCLUSIVE', '"P"']]);
    expect(valid[0]!.note).toMatch(/checks every existing row/);
  });

  it('ADD COLUMN … REFERENCES: ACCESS EXCLUSIVE on the table, SHARE ROW EXCLUSIVE on the referenced one', () => {
    const locks = analyzeLocks('alter table users add column org_id uuid references organizations(id)');
    expect(locks.map((l) => [l.mode, l.target])).toEqual([['ACCESS EXCLUSIVE', 'users'], ['SHARE ROW EXCLUSIVE', 'organizations']]);
    expect(locks[0]!.note).toContain('references organizations');
  });

  it('VALIDATE CONSTRAINT, SET NOT NULL, CREATE INDEX CONCURRENTLY', () => {
    const locks = analyzeLocks(`
      alter table users validate constraint users_org_id_not_null;
      alter table users alter column org_id set not null;
      create index concurrently if not exists idx on users (org_id);`);
    expect(locks.map((l) => [l.mode, l.target])).toEqual([
      ['SHARE UPDATE EXCLUSIVE', 'users'],
      ['ACCESS EXCLUSIVE', 'users'],
      ['SHARE UPDATE EXCLUSIVE', 'users'],
    ]);
    expect(locks[0]!.note).toContain('writes continue');
    expect(locks[1]!.note).toContain('CHECK (col IS NOT NULL)');
  });

  it('several subcommands: the strictest one, notes of each; commas inside parentheses and comments do not split', () => {
    const locks = analyzeLocks(`alter table t
      add constraint t_fk foreign key (a, b) references p (a, b) not valid, -- a comment, with a comma
      validate constraint t_other`);
    expect(locks.map((l) => [l.mode, l.target])).toEqual([['SHARE ROW EXCLUSIVE', 't'], ['SHARE ROW EXCLUSIVE', 'p']]);
    expect(locks[0]!.note).toContain('NOT VALID');
    expect(locks[0]!.note).toContain('ROW SHARE');
    expect(modes('alter table t validate constraint c, alter column x set not null')).toEqual([['ACCESS EXCLUSIVE', 't']]);
    expect(modes('alter table t enable trigger tr, alter column x set statistics 100')).toEqual([['SHARE ROW EXCLUSIVE', 't']]);
  });

  it('CREATE TABLE with foreign keys locks each referenced table', () => {
    expect(modes('create table m (id int, u uuid references users(id), c uuid references conversations (id))')).toEqual([
      ['SHARE ROW EXCLUSIVE', 'users'],
      ['SHARE ROW EXCLUSIVE', 'conversations'],
    ]);
  });

  it('CALL and DO are shown as procedural code whose locks cannot be read statically', () => {
    const locks = analyzeLocks(`call app.backfill_org(1000);
      do $$ begin perform 1; end $$;`);
    expect(locks.map((l) => [l.mode, l.target, l.procedural])).toEqual([
      [PROCEDURAL_MODE, 'app.backfill_org', true],
      [PROCEDURAL_MODE, 'DO block', true],
    ]);
    expect(locks[0]!.note).toContain('cannot be read statically');
  });
});

// The static analysis against the server: each statement runs in a transaction that is rolled
// back, and the strongest lock pg_locks shows on each table that existed before must be the one
// analyzeLocks names. ROW SHARE and weaker are left out: VALIDATE CONSTRAINT takes ROW SHARE on
// the referenced table only when the constraint is a foreign key, which the text does not say
// (the lock's note does).
describe('analyzeLocks agrees with pg_locks (real PostgreSQL)', () => {
  const cases = [
    'alter table lk.c add constraint c_fk foreign key (pid) references lk.p (id) not valid',
    'alter table lk.c add constraint c_fk foreign key (pid) references lk.p (id)',
    'alter table lk.c add column q int references lk.p (id)',
    'alter table lk.v validate constraint v_fk',
    'alter table lk.c alter column pid set not null',
    'alter table lk.c add constraint c_fk foreign key (pid) references lk.p (id) not valid, alter column id set not null',
    'alter table lk.c alter column pid set statistics 200',
    'create table lk.n (id int, pid int references lk.p (id))',
    'create index i on lk.c (pid)',
  ];

  it.each(cases)('%s', async (statement) => {
    const sql = db().sql;
    await sql.unsafe(`
      create schema if not exists lk;
      create table if not exists lk.p (id int primary key);
      create table if not exists lk.c (id int, pid int);
      create table if not exists lk.v (id int, pid int);
      do $$ begin
        if not exists (select 1 from pg_constraint where conname = 'v_fk') then
          alter table lk.v add constraint v_fk foreign key (pid) references lk.p (id) not valid;
        end if;
      end $$;`);
    const rank = (m: string) => LOCK_ORDER.indexOf(m as (typeof LOCK_ORDER)[number]);
    const taken = new Map<string, string>();
    await sql
      .begin(async (tx) => {
        const [existing] = await tx<{ oids: number[] }[]>`
          select array_agg(oid::int) as oids from pg_class where relnamespace = 'lk'::regnamespace and relkind = 'r'`;
        await tx.unsafe(statement);
        const rows = await tx<{ rel: string; mode: string }[]>`
          select relation::regclass::text as rel, mode from pg_locks
          where pid = pg_backend_pid() and locktype = 'relation'
            and relation::int = any(${existing!.oids})`;
        for (const r of rows) {
          const mode = r.mode.replace(/Lock$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
          if (rank(mode) > rank(taken.get(r.rel) ?? 'ROW SHARE')) taken.set(r.rel, mode);
        }
        throw new Error('rollback');
      })
      .catch((e: Error) => {
        if (e.message !== 'rollback') throw e;
      });
    const predicted = new Map<string, string>();
    for (const l of analyzeLocks(statement)) if (rank(l.mode) > rank(predicted.get(l.target) ?? 'ROW SHARE')) predicted.set(l.target, l.mode);
    expect(Object.fromEntries(predicted)).toEqual(Object.fromEntries(taken));
  });
});
