import { describe, expect, it } from 'vitest';
import { analyzeLocks } from '../../src/plan/locks.js';
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
