import { describe, expect, it } from 'vitest';
import { analyzeLocks, PROCEDURAL_MODE } from '../../src/plan/locks.js';
import { splitStatements } from '../../src/plan/statements.js';

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

describe('analyzeLocks keeps every statement\'s lock, naming its statement', () => {
  it('the same mode on the same table twice: both, each with its note and statement index', () => {
    const locks = analyzeLocks(`
      alter table t add constraint a foreign key (x) references p (id) not valid;
      alter table t add constraint b foreign key (x) references p (id);
      alter table t add column zz int default 0;
      alter table t alter column zz set not null;`).filter((l) => l.target === 't');
    expect(locks.map((l) => [l.statementIndex, l.mode])).toEqual([
      [0, 'SHARE ROW EXCLUSIVE'], [1, 'SHARE ROW EXCLUSIVE'], [2, 'ACCESS EXCLUSIVE'], [3, 'ACCESS EXCLUSIVE'],
    ]);
    expect(locks[1]!.note).toMatch(/checks every existing row/);
    expect(locks[3]!.note).toMatch(/scans the whole table/);
  });

  it('VALIDATE CONSTRAINT of an unknown kind: a note true of a CHECK as of a foreign key, and the constraint named', () => {
    const [l] = analyzeLocks('alter table t validate constraint t_check');
    expect(l).toMatchObject({ mode: 'SHARE UPDATE EXCLUSIVE', constraint: 't_check' });
    expect(l!.note).toMatch(/if the constraint is a foreign key, the table it references also takes ROW SHARE/);
  });

  it('TRUNCATE of several tables names each; CASCADE says it reaches the tables referencing them', () => {
    const locks = analyzeLocks('truncate table a, only b cascade');
    expect(locks.map((l) => [l.mode, l.target])).toEqual([['ACCESS EXCLUSIVE', 'a'], ['ACCESS EXCLUSIVE', 'b']]);
    expect(locks[0]!.note).toMatch(/CASCADE: every table with a foreign key to it/);
    expect(analyzeLocks('truncate a')[0]!.note).toBeUndefined();
  });

  it('index statements name the index and the mode on its table', () => {
    expect(analyzeLocks('drop index concurrently if exists s.i1').map((l) => [l.mode, l.target, l.index?.tableMode]))
      .toEqual([['SHARE UPDATE EXCLUSIVE', 's.i1', 'SHARE UPDATE EXCLUSIVE']]);
    expect(analyzeLocks('reindex (verbose) index s.i1').map((l) => [l.mode, l.index?.tableMode])).toEqual([['ACCESS EXCLUSIVE', 'SHARE']]);
    expect(analyzeLocks('alter index s.i1 rename to i2').map((l) => [l.mode, l.index?.tableMode])).toEqual([['SHARE UPDATE EXCLUSIVE', undefined]]);
  });
});
