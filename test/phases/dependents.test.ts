import { describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/client.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';
import { BY_SET, dualWriteDatabase, EMPTY, rebuilt, rolledBack, type State, targetState } from '../helpers/rebuild.js';

// Rows that hang off another mapped table's row through the target's foreign keys (a person's
// e-mails and phones, a user's workspaces and spaces, a space's items, an event's participants,
// a task's subtasks). When dual-write removes the parent's target row, they must end where a
// rebuild puts them; left to the target's ON DELETE CASCADE they would vanish unaccounted for.

/** Legacy parents that each have rows below them, one per kind of foreign key in the target. */
type Parents = { contact: number; task: number; user: string; event: number; space: number };

async function parents(tx: Sql): Promise<Parents> {
  // A parent, and a row below it, that are in the target (not quarantined).
  const [p] = await tx<Parents[]>`
    with ok as (select old_schema || '.' || old_table as t, old_id from cortex_migration.quarantine)
    select (select c.contact_id from crm.contacts c
             where (select count(*) from crm.contact_emails e where e.contact_id = c.contact_id and ('crm.contact_emails', e.id::text) not in (select * from ok)) > 1
               and exists (select 1 from crm.contact_phones p where p.contact_id = c.contact_id and ('crm.contact_phones', p.id::text) not in (select * from ok))
               and ('crm.contacts', c.contact_id::text) not in (select * from ok) order by 1 limit 1) as contact,
           (select t.task_id from crm.tasks t
             where exists (select 1 from crm.tasks s where s.parent_task_id = t.task_id and ('crm.tasks', s.task_id::text) not in (select * from ok))
               and ('crm.tasks', t.task_id::text) not in (select * from ok) order by 1 limit 1) as task,
           (select u.user_id from app.users u
             where exists (select 1 from app.workspaces w where w.owner_user_id = u.user_id and ('app.workspaces', w.workspace_id::text) not in (select * from ok))
               and exists (select 1 from app.spaces s where s.owner_user_id = u.user_id and ('app.spaces', s.space_id::text) not in (select * from ok))
               and ('app.users', u.user_id::text) not in (select * from ok) order by 1 limit 1) as "user",
           (select e.event_id from calendar.events e
             where e.start_time is not null
               and exists (select 1 from calendar.event_attendees a where a.event_id = e.event_id
                              and ('calendar.event_attendees', a.event_id || ':' || a.contact_id) not in (select * from ok))
               and ('calendar.events', e.event_id::text) not in (select * from ok) order by 1 limit 1) as event,
           (select s.space_id from app.spaces s
             where exists (select 1 from app.space_items i where i.space_id = s.space_id and ('app.space_items', i.id::text) not in (select * from ok))
               and exists (select 1 from app.spaces c where c.parent_space_id = s.space_id and ('app.spaces', c.space_id::text) not in (select * from ok))
               and ('app.spaces', s.space_id::text) not in (select * from ok) order by 1 limit 1) as space`;
  for (const [k, v] of Object.entries(p!)) if (v === null) throw new Error(`the fixture has no ${k} with rows below it`);
  return p!;
}

/** Quarantined keys per legacy table whose reason is a missing parent in the target. */
async function blocked(tx: Sql): Promise<Record<string, number>> {
  const rows = await tx<{ t: string; n: number }[]>`
    select old_schema || '.' || old_table as t, count(*)::int as n from cortex_migration.quarantine
     where code = 'refused' and reason like '%foreign key%' group by 1 order by 1`;
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

/** Quarantined keys per legacy table whose reason is a missing legacy row they wait for. */
async function awaiting(tx: Sql): Promise<Record<string, number>> {
  const rows = await tx<{ t: string; n: number }[]>`
    select old_schema || '.' || old_table as t, count(*)::int as n from cortex_migration.quarantine
     where code = 'missing' group by 1 order by 1`;
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

/** The contact's legacy e-mails and phones, and how many of them are neither in the target nor quarantined. */
async function contactRows(tx: Sql, contact: number): Promise<{ legacy: number; unaccounted: number }> {
  const [r] = await tx<{ legacy: number; unaccounted: number }[]>`
    select count(*)::int as legacy,
           count(*) filter (where not exists (select 1 from cortex_migration.quarantine q where q.old_schema = 'crm' and q.old_table = x.t and q.old_id = x.id::text)
                              and not exists (select 1 from cortex_entities.contact_emails e where e.id = x.new_id::uuid)
                              and not exists (select 1 from cortex_entities.contact_phones p where p.id = x.new_id::uuid))::int as unaccounted
      from (select 'contact_emails' as t, e.id, m.new_id from crm.contact_emails e
              join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'contact_emails' and m.old_id = e.id::text
             where e.contact_id = ${contact}
            union all
            select 'contact_phones', p.id, m.new_id from crm.contact_phones p
              join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'contact_phones' and m.old_id = p.id::text
             where p.contact_id = ${contact}) x`;
  return r!;
}

describe('dual-write: rows below a removed parent', () => {
  const db = useFreshDatabase('dependents');

  it('a parent that becomes unmigratable takes the rows below it to quarantine, and they come back with it', async () => {
    const sql = db().sql;
    await dualWriteDatabase(db(), 5);
    const seen: { live: State; rebuilt: State; blocked: Record<string, number>; contact: { legacy: number; unaccounted: number } }[] = [];
    await rolledBack(sql, async (tx) => {
      // Start from a set-path state made in this transaction, as the rebuilds below are.
      await tx.unsafe(EMPTY);
      await tx.unsafe(BY_SET);
      const p = await parents(tx);
      const [orig] = await tx<{ name: string; status: string; email: string; color: string | null }[]>`
        select (select full_name from crm.contacts where contact_id = ${p.contact}) as name,
               (select status from crm.tasks where task_id = ${p.task}) as status,
               (select email from app.users where user_id = ${p.user}) as email,
               (select color from app.spaces where space_id = ${p.space}) as color`;
      // One-row writes, as an application sends them, that make each parent unmigratable.
      await tx`update crm.contacts set full_name = repeat('x', 300) where contact_id = ${p.contact}`;
      await tx`update crm.tasks set status = 'nonsense' where task_id = ${p.task}`;
      await tx`update app.users set email = '' where user_id = ${p.user}`;
      await tx`update calendar.events set end_time = start_time - interval '1 hour' where event_id = ${p.event}`;
      await tx`update app.spaces set color = 'far too long' where space_id = ${p.space}`;
      seen.push({ live: await targetState(tx), rebuilt: await rebuilt(tx), blocked: await blocked(tx), contact: await contactRows(tx, p.contact) });
      // The application fixes them again.
      await tx`update crm.contacts set full_name = ${orig!.name} where contact_id = ${p.contact}`;
      await tx`update crm.tasks set status = ${orig!.status} where task_id = ${p.task}`;
      await tx`update app.users set email = ${orig!.email} where user_id = ${p.user}`;
      await tx`update calendar.events set end_time = start_time + interval '1 hour' where event_id = ${p.event}`;
      await tx`update app.spaces set color = ${orig!.color} where space_id = ${p.space}`;
      seen.push({ live: await targetState(tx), rebuilt: await rebuilt(tx), blocked: await blocked(tx), contact: await contactRows(tx, p.contact) });
    });
    const [broken, fixed] = seen;
    // Every row below the contact is accounted for, and rows below each parent are quarantined.
    expect(broken!.contact.legacy).toBeGreaterThan(1);
    expect(broken!.contact.unaccounted).toBe(0);
    for (const t of ['crm.contact_emails', 'crm.contact_phones', 'crm.tasks', 'app.workspaces', 'app.spaces', 'app.space_items', 'calendar.event_attendees']) {
      expect(broken!.blocked[t], t).toBeGreaterThan(0);
    }
    expect(broken!.live).toEqual(broken!.rebuilt);
    expect(fixed!.blocked).toEqual({});
    expect(fixed!.contact.unaccounted).toBe(0);
    expect(fixed!.live).toEqual(fixed!.rebuilt);
  });

  it('a deleted parent leaves no target row behind, and the legacy rows still pointing at it wait for it in quarantine', async () => {
    const sql = db().sql;
    let live: State | undefined;
    let reference: State | undefined;
    let leftOver: { space: number; user: number } | undefined;
    let before: Record<string, number> = {};
    let after: Record<string, number> = {};
    await rolledBack(sql, async (tx) => {
      await tx.unsafe(EMPTY);
      await tx.unsafe(BY_SET);
      const p = await parents(tx);
      before = await awaiting(tx);
      const [ids] = await tx<{ space: string; user: string }[]>`
        select (select new_id from cortex_migration.migration_mappings where old_schema = 'app' and old_table = 'spaces' and old_id = ${p.space}::text) as space,
               (select new_id from cortex_migration.migration_mappings where old_schema = 'app' and old_table = 'users' and old_id = ${p.user}::text) as "user"`;
      // The legacy schema has no foreign keys: the application deletes a parent and leaves its rows.
      await tx`delete from app.spaces where space_id = ${p.space}`;
      await tx`delete from app.users where user_id = ${p.user}`;
      await tx`delete from crm.contacts where contact_id = ${p.contact}`;
      const [left] = await tx<{ space: number; user: number }[]>`
        select (select count(*) from cortex_foundation.spaces where id = ${ids!.space})::int as space,
               (select count(*) from cortex_foundation.users where id = ${ids!.user})::int as "user"`;
      leftOver = left;
      after = await awaiting(tx);
      live = await targetState(tx);
      reference = await rebuilt(tx);
    });
    expect(leftOver).toEqual({ space: 0, user: 0 });
    // Their mapping outlives them, but the rows below wait for the legacy row, not for the target's key.
    for (const t of ['app.space_items', 'app.workspaces', 'crm.contact_emails']) expect(after[t] ?? 0, t).toBeGreaterThan(before[t] ?? 0);
    expect(live).toEqual(reference);
  });

  it('a row written before the row it references comes back when that row arrives', async () => {
    const sql = db().sql;
    let live: State | undefined;
    let reference: State | undefined;
    let before: string[] = [];
    let after: string[] = [];
    await rolledBack(sql, async (tx) => {
      await tx.unsafe(EMPTY);
      await tx.unsafe(BY_SET);
      const [k] = await tx<{ task: number; contact: number }[]>`
        select (select max(task_id) from crm.tasks)::int + 100 as task, (select max(contact_id) from crm.contacts)::int + 100 as contact`;
      const { task, contact } = k!;
      const [{ t0 } = { t0: '' }] = await tx<{ t0: string }[]>`select clock_timestamp()::text as t0`;
      // The legacy schema has no foreign keys: rows arrive before the rows they reference.
      await tx`insert into crm.tasks (task_id, title, status, parent_task_id) values (${task + 1}, 'subtask', 'pending', ${task})`;
      await tx`insert into crm.tasks (task_id, title, status, parent_task_id) values (${task + 2}, 'sub-subtask', 'pending', ${task + 1})`;
      await tx`insert into crm.contact_phones (contact_id, phone_number) values (${contact}, '+1 555 0100'), (${contact + 1}, '+1 555 0101')`;
      await tx`insert into crm.notes (title, contact_id) values ('about a contact to come', ${contact})`;
      await tx`insert into crm.tasks (title, status, assigned_contact_id) values ('for a contact to come', 'pending', ${contact + 1})`;
      const mine = (rows: { k: string }[]) => rows.map((r) => r.k);
      const waiting = async () =>
        mine(await tx<{ k: string }[]>`
          select old_schema || '.' || old_table || ' ' || regexp_replace(reason, '[0-9]+', 'N', 'g') as k from cortex_migration.quarantine
           where first_seen > ${t0}::timestamptz order by 1`);
      before = await waiting();
      // The parents arrive: the task alone (the row path), the two contacts in one statement (the set path).
      await tx`insert into crm.tasks (task_id, title, status) values (${task}, 'parent', 'pending')`;
      await tx`insert into crm.contacts (contact_id, full_name) values (${contact}, 'Ada Late'), (${contact + 1}, 'Bob Later')`;
      after = await waiting();
      live = await targetState(tx);
      reference = await rebuilt(tx);
    });
    expect(before).toEqual([
      'crm.contact_phones contact_id N has no crm.contacts row',
      'crm.contact_phones contact_id N has no crm.contacts row',
      'crm.notes contact_id N has no crm.contacts row',
      'crm.tasks assigned_contact_id N has no crm.contacts row',
      'crm.tasks cannot be written to the target: insert or update on table "tasks" violates foreign key constraint "tasks_parent_task_id_fkey"',
      'crm.tasks parent_task_id N has no crm.tasks row',
    ]);
    expect(after).toEqual([]);
    expect(live).toEqual(reference);
  });

  it('a retried row is read after a concurrent writer of it commits, not before', async () => {
    const { sql } = db();
    const [k] = await sql<{ p: number }[]>`select max(task_id)::int + 700 as p from crm.tasks`;
    const p = k!.p;
    await sql`insert into crm.tasks (task_id, title, status, parent_task_id) values (${p + 1}, 'first title', 'pending', ${p})`;
    let parentInserted: Promise<unknown> | undefined;
    let insertedWhileOpen = true;
    await sql.begin(async (b) => {
      // The application renames the waiting row and has not committed when its parent arrives.
      await b`update crm.tasks set title = 'second title' where task_id = ${p + 1}`;
      let done = false;
      parentInserted = sql`insert into crm.tasks (task_id, title, status) values (${p}, 'parent', 'pending')`.then(() => (done = true));
      await new Promise((r) => setTimeout(r, 500));
      insertedWhileOpen = done;
    });
    await parentInserted;
    const [child] = await sql<{ title: string | null; quarantined: number }[]>`
      select (select t.title from cortex_projects.tasks t join cortex_migration.migration_mappings mm on mm.new_id = t.id::text
               where mm.old_schema = 'crm' and mm.old_table = 'tasks' and mm.old_id = ${String(p + 1)}) as title,
             (select count(*) from cortex_migration.quarantine where old_schema = 'crm' and old_table = 'tasks' and old_id = ${String(p + 1)})::int as quarantined`;
    // The parent's insert waited for the rename to commit, then wrote the renamed row.
    expect(insertedWhileOpen).toBe(false);
    expect(child).toEqual({ title: 'second title', quarantined: 0 });
  });

  it('a row written while the row it waits for was not yet committed fails phase 5 until phase 4 retries it', async () => {
    const { sql, url } = db();
    type Checks = { id: string; status: string; details?: string }[];
    const check = async () => {
      const r = await runCli(['--database-url', url, '--json', 'migrate', 'phase', '5']);
      if (!JSON.parse(r.stdout).data) throw new Error(r.stdout.slice(0, 2000) + r.stderr.slice(-500));
      const checks: Checks = JSON.parse(r.stdout).data.report.steps.flatMap((s: { checks: Checks }) => s.checks);
      return checks.find((c) => c.id === 'quarantine-not-writable');
    };
    const [k] = await sql<{ p: number }[]>`select max(task_id)::int + 500 as p from crm.tasks`;
    const p = k!.p;
    // Another connection writes the child while the parent's transaction is still open: neither sees the other.
    await sql.begin(async (tx) => {
      await tx`insert into crm.tasks (task_id, title, status) values (${p}, 'parent', 'pending')`;
      await sql`insert into crm.tasks (task_id, title, status, parent_task_id) values (${p + 1}, 'child', 'pending', ${p})`;
    });
    const waiting = await sql<{ reason: string }[]>`
      select reason from cortex_migration.quarantine where old_schema = 'crm' and old_table = 'tasks' and old_id = ${String(p + 1)}`;
    const before = await check();
    // Phase 5 is applied with failed checks (exit 1): roll it back, then phase 4, and apply 4 again.
    const down5 = await runCli(['--database-url', url, '--yes', 'rollback', 'phase', '5']);
    const down = await runCli(['--database-url', url, '--yes', 'rollback', 'phase', '4']);
    const up = await runCli(['--database-url', url, 'migrate', 'phase', '4']);
    const [child] = await sql<{ quarantined: number; parent_ok: boolean | null }[]>`
      select (select count(*) from cortex_migration.quarantine where old_schema = 'crm' and old_table = 'tasks' and old_id = ${String(p + 1)})::int as quarantined,
             (select c.parent_task_id = mp.new_id::uuid from cortex_projects.tasks c
                join cortex_migration.migration_mappings mc on mc.new_id = c.id::text and mc.old_schema = 'crm' and mc.old_table = 'tasks' and mc.old_id = ${String(p + 1)}
                join cortex_migration.migration_mappings mp on mp.old_schema = 'crm' and mp.old_table = 'tasks' and mp.old_id = ${String(p)}) as parent_ok`;
    const after = await check();
    expect(waiting.map((w) => w.reason)).toEqual([`parent_task_id ${p} has no crm.tasks row`]);
    expect(before).toMatchObject({ status: 'failed', actual: 1 });
    expect(before!.details).toContain(`crm.tasks ${p + 1} (e.g. parent_task_id ${p} has no crm.tasks row)`);
    expect([down5.code, down.code, up.code], down5.stderr + down.stderr + up.stderr).toEqual([0, 0, 0]);
    expect(up.stdout + up.stderr).toContain('1 quarantined rows retried and written');
    expect(child).toEqual({ quarantined: 0, parent_ok: true });
    expect(after).toMatchObject({ status: 'passed', actual: 0 });
  });
});
