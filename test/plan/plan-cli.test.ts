import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('plancli');

// The statements a probe found `cortex plan` hid or misdescribed: a second lock of the same mode
// on the same table (its note lost), the locks the statement text does not name (an index's
// table, the tables a CASCADE reaches), and the kind of a validated constraint.
const UP = `
alter table app.c add constraint c_fk foreign key (pid) references app.p (id) not valid;
alter table app.c add constraint c_fk2 foreign key (pid) references app.p (id);
alter table app.c add column zz int default 0;
alter table app.c alter column zz set not null;
create index concurrently c_a on app.c (pid);
create index concurrently c_b on app.c (id);
truncate app.conversations cascade;
alter table app.c validate constraint c_positive;
alter table app.c validate constraint c_pid_old_fk;
drop index app.c_pid_idx;
alter table app.c set (fillfactor = 70);
alter table app.c rename column id to cid;
`;

function planDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'cortex-plan-locks-'));
  mkdirSync(join(root, 'phases', '1-locks'), { recursive: true });
  writeFileSync(join(root, 'phases', '1-locks', 'phase.json'), '{ "name": "locks", "description": "lock probe" }');
  const step = join(root, 'migrations', '1-locks', '001-probe');
  mkdirSync(step, { recursive: true });
  writeFileSync(join(step, 'up.sql'), UP);
  writeFileSync(join(step, 'down.sql'), 'select 1;');
  writeFileSync(join(step, 'verify.sql'), "select 'probe' as id, true as ok");
  return root;
}

/** The lock lines printed right under the first statement line containing `fragment`. */
function locksUnder(stdout: string, fragment: string): string[] {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.includes(fragment));
  expect(at, `statement "${fragment}" in the output`).toBeGreaterThanOrEqual(0);
  const out: string[] = [];
  for (let i = at + 1; i < lines.length && lines[i]!.startsWith('      -> '); i++) out.push(lines[i]!.trim());
  return out;
}

describe('cortex plan shows each statement with its own locks (real PostgreSQL, built CLI)', () => {
  it('every statement that takes a lock is followed by it, and --json names each lock\'s statement', async () => {
    await db().sql.unsafe(`
      create schema app;
      create table app.p (id int primary key);
      create table app.c (id int, pid int);
      alter table app.c add constraint c_positive check (id > 0) not valid;
      alter table app.c add constraint c_pid_old_fk foreign key (pid) references app.p (id) not valid;
      create index c_pid_idx on app.c (pid);
      create table app.conversations (id int primary key);
      create table app.messages (id int primary key, conversation_id int references app.conversations (id));
      create table app.reactions (message_id int references app.messages (id));`);
    const dir = planDir();
    const r = await runCli(['--database-url', db().url, '--plan', dir, 'plan', 'phase', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;

    // The same mode on the same table twice: the second statement keeps its lock and its note.
    expect(locksUnder(out, 'c_fk foreign key')).toEqual([
      expect.stringMatching(/^-> lock SHARE ROW EXCLUSIVE on app\.c .*NOT VALID: existing rows are not checked/),
      expect.stringMatching(/^-> lock SHARE ROW EXCLUSIVE on app\.p /),
    ]);
    expect(locksUnder(out, 'c_fk2 foreign key')[0]).toMatch(/^-> lock SHARE ROW EXCLUSIVE on app\.c .*checks every existing row/);
    expect(locksUnder(out, 'add column zz')).toEqual([expect.stringMatching(/^-> lock ACCESS EXCLUSIVE on app\.c\b/)]);
    expect(locksUnder(out, 'alter column zz set not null')[0]).toMatch(/^-> lock ACCESS EXCLUSIVE on app\.c .*scans the whole table/);
    expect(locksUnder(out, 'concurrently c_b')).toEqual([expect.stringMatching(/^-> lock SHARE UPDATE EXCLUSIVE on app\.c\b/)]);

    // Locks the text does not name: the tables CASCADE reaches, an index's table.
    const truncated = locksUnder(out, 'truncate app.conversations');
    expect(truncated[0]).toMatch(/^-> lock ACCESS EXCLUSIVE on app\.conversations .*CASCADE: every table with a foreign key to it/);
    expect(truncated.slice(1).map((l) => /on (\S+)/.exec(l)![1])).toEqual(['app.messages', 'app.reactions']);
    expect(locksUnder(out, 'drop index app.c_pid_idx')).toEqual([
      expect.stringMatching(/^-> lock ACCESS EXCLUSIVE on index app\.c_pid_idx, ACCESS EXCLUSIVE on its table app\.c .*blocks reads and writes/),
    ]);
    expect(locksUnder(out, 'set (fillfactor = 70)')).toEqual([expect.stringMatching(/^-> lock SHARE UPDATE EXCLUSIVE on app\.c\b/)]);
    expect(locksUnder(out, 'rename column id to cid')).toEqual([expect.stringMatching(/^-> lock ACCESS EXCLUSIVE on app\.c\b/)]);

    // VALIDATE CONSTRAINT: the database tells a CHECK from a foreign key.
    const check = locksUnder(out, 'validate constraint c_positive');
    expect(check).toEqual([expect.stringMatching(/SHARE UPDATE EXCLUSIVE on app\.c .*a CHECK constraint/)]);
    expect(check[0]).not.toContain('foreign key');
    expect(locksUnder(out, 'validate constraint c_pid_old_fk')).toEqual([
      expect.stringMatching(/SHARE UPDATE EXCLUSIVE on app\.c .*a foreign key: .*ROW SHARE on app\.p/),
      expect.stringMatching(/^-> lock ROW SHARE on app\.p /),
    ]);

    const json = await runCli(['--database-url', db().url, '--plan', dir, '--json', 'plan', 'phase', '1']);
    const step = JSON.parse(json.stdout).data.steps[0] as { statements: string[]; locks: Array<{ statement: string; statementIndex: number; target: string }> };
    expect(step.statements).toHaveLength(12);
    for (const l of step.locks) expect(step.statements[l.statementIndex]).toContain(l.statement);
    // Each of the twelve statements takes a lock, and each is shown with it.
    expect(new Set(step.locks.map((l) => l.statementIndex)).size).toBe(12);
  });
});
