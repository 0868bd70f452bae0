import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { drainChangeLog } from '../../src/db/change-log.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { runCli } from '../helpers/cli.js';
import { createDatabase, dropDatabase, type TestDatabase, useFreshDatabase } from '../helpers/db.js';
import { generatedSettings } from '../helpers/rebuild.js';

async function migrate(db: TestDatabase, n: number, extra: string[] = []) {
  const r = await runCli(['--database-url', db.url, '--json', 'migrate', 'phase', String(n), ...extra]);
  if (r.code !== 0) throw new Error(`phase ${n} exited ${r.code}: ${r.stdout.slice(-800)} ${r.stderr.slice(-400)}`);
  return JSON.parse(r.stdout);
}

async function personName(db: TestDatabase, contactId: number): Promise<string | null | undefined> {
  const [p] = await db.sql<{ full_name: string | null }[]>`
    select p.full_name from cortex_migration.migration_mappings mm join cortex_entities.persons p on p.id = mm.new_id
    where mm.old_schema = 'crm' and mm.old_table = 'contacts' and mm.old_id = ${String(contactId)}`;
  return p === undefined ? undefined : p.full_name;
}

describe('phase 4 dual-write', () => {
  const db = useFreshDatabase('dw');

  it('reflects insert, update and delete of a legacy contact in the same transaction', async () => {
    await loadLegacyFixture(db().sql, { scale: 0.05, seed: 4, dirty: false, replace: false });
    for (const n of [1, 2, 3, 4]) await migrate(db(), n);
    await db().sql.begin(async (tx) => {
      const [c] = await tx<{ id: number }[]>`insert into crm.contacts (full_name) values ('Ada Lovelace') returning contact_id as id`;
      const [p] = await tx<{ full_name: string }[]>`
        select p.full_name from cortex_migration.migration_mappings mm join cortex_entities.persons p on p.id = mm.new_id
        where mm.old_table = 'contacts' and mm.old_id = ${String(c!.id)}`;
      expect(p!.full_name).toBe('Ada Lovelace');
      await tx`update crm.contacts set full_name = 'Ada King' where contact_id = ${c!.id}`;
      const [q] = await tx<{ full_name: string; name: string }[]>`
        select p.full_name, e.name from cortex_migration.migration_mappings mm
        join cortex_entities.persons p on p.id = mm.new_id join cortex_foundation.entities e on e.id = p.id
        where mm.old_table = 'contacts' and mm.old_id = ${String(c!.id)}`;
      expect(q).toEqual({ full_name: 'Ada King', name: 'Ada King' });
      await tx`delete from crm.contacts where contact_id = ${c!.id}`;
      const [gone] = await tx<{ n: number }[]>`
        select count(*)::int as n from cortex_migration.migration_mappings mm join cortex_entities.persons p on p.id = mm.new_id
        where mm.old_table = 'contacts' and mm.old_id = ${String(c!.id)}`;
      expect(gone!.n).toBe(0);
    });
  });

  it('gives a new legacy task its mapped project id, and quarantines (not rejects) a bad one', async () => {
    const sql = db().sql;
    const [t] = await sql<{ id: number }[]>`
      insert into crm.tasks (title, status, project_id) values ('Write the runbook', 'pending', 3) returning task_id as id`;
    const [row] = await sql<{ project_id: string; status: string; expected: string }[]>`
      select t.project_id, t.status, pj.new_id as expected
      from cortex_migration.migration_mappings mm join cortex_projects.tasks t on t.id = mm.new_id::uuid
      join cortex_migration.migration_mappings pj on pj.old_table = 'projects' and pj.old_id = '3'
      where mm.old_table = 'tasks' and mm.old_id = ${String(t!.id)}`;
    expect(row!.project_id).toBe(row!.expected);
    expect(row!.status).toBe('todo');
    const [bad] = await sql<{ id: number }[]>`insert into crm.tasks (title, status) values ('Odd one', 'someday') returning task_id as id`;
    const [q] = await sql<{ reason: string; source: string }[]>`
      select reason, source from cortex_migration.quarantine where old_table = 'tasks' and old_id = ${String(bad!.id)}`;
    expect(q).toEqual({ reason: "unknown status 'someday'", source: 'dual-write' });
    // Fixing the legacy row releases it from quarantine into the target.
    await sql`update crm.tasks set status = 'done' where task_id = ${bad!.id}`;
    const [after] = await sql<{ q: number; t: number }[]>`
      select (select count(*) from cortex_migration.quarantine where old_table = 'tasks' and old_id = ${String(bad!.id)})::int as q,
             (select count(*) from cortex_migration.migration_mappings mm join cortex_projects.tasks t on t.id = mm.new_id::uuid
               where mm.old_table = 'tasks' and mm.old_id = ${String(bad!.id)} and t.status = 'done')::int as t`;
    expect(after).toEqual({ q: 0, t: 1 });
  });

  it('a multi-row statement is synced by the set path and leaves the session settings as they were', async () => {
    await db().sql.begin(async (tx) => {
      await tx`set local jit = on`;
      await tx`set local plan_cache_mode = auto`;
      const moved = await tx`update crm.tasks set status = 'done' where task_id <= 100 and status <> 'done'`;
      expect(moved.count).toBeGreaterThan(64);
      const [r] = await tx<{ stale: number; jit: string; mode: string }[]>`
        select (select count(*) from crm.tasks l
                  join cortex_migration.migration_mappings mm on mm.old_table = 'tasks' and mm.old_id = l.task_id::text
                  join cortex_projects.tasks t on t.id = mm.new_id::uuid
                 where l.task_id <= 100 and t.status <> 'done')::int as stale,
               current_setting('jit') as jit, current_setting('plan_cache_mode') as mode`;
      expect(r).toEqual({ stale: 0, jit: 'on', mode: 'auto' });
    });
  });

  it('runs every dual-write trigger function without JIT (transition tables are estimated blind)', async () => {
    const { fns, mapped } = await generatedSettings(db().sql, '^dw_');
    expect(fns.length).toBe(mapped);
    // (cortex.in_forward marks its writes of the target: the reverse triggers skip them.)
    for (const f of fns) expect(f.config, f.name).toEqual(['jit=off', 'cortex.in_forward=on']);
  });

  it('rollback phase 4, a legacy insert, migrate phase 4 again: the insert reaches the target', async () => {
    expect((await runCli(['--database-url', db().url, 'rollback', 'phase', '4', '--yes'])).code).toBe(0);
    const [c] = await db().sql<{ id: number }[]>`insert into crm.contacts (full_name) values ('Written While Off') returning contact_id as id`;
    await db().sql`update crm.contacts set full_name = 'Renamed While Off' where contact_id = 1`;
    expect(await personName(db(), c!.id)).toBeUndefined();
    const env = await migrate(db(), 4);
    expect(env.data.report.status).toBe('passed');
    expect(await personName(db(), c!.id)).toBe('Written While Off');
    expect(await personName(db(), 1)).toBe('Renamed While Off');
  });

  it('replays the change log one chunk per transaction: a row held by a writer stalls its chunk only', async () => {
    const sql = db().sql;
    // Writes the triggers did not sync, logged as the change-log triggers would have: 500
    // statements (one chunk) on contacts 1–250, then 100 more on contact 300 alone.
    await sql`alter table crm.contacts disable trigger user`;
    try {
      await sql`do $$ begin
        for i in 1..500 loop
          update crm.contacts set full_name = 'Chunk one ' || i where contact_id = 1 + i % 250;
          insert into cortex_migration.change_log (old_schema, old_table, old_ids) values ('crm', 'contacts', array[(1 + i % 250)::text]);
        end loop;
        for i in 1..100 loop
          update crm.contacts set full_name = 'Chunk two ' || i where contact_id = 300;
          insert into cortex_migration.change_log (old_schema, old_table, old_ids) values ('crm', 'contacts', array['300']);
        end loop;
      end $$`;
    } finally {
      await sql`alter table crm.contacts enable trigger user`;
    }
    const holder = await sql.reserve();
    try {
      await holder`begin`;
      await holder`select 1 from crm.contacts where contact_id = 300 for update`;
      const seen: number[][] = [];
      const err = await drainChangeLog(sql, 'crm', 'contacts', 0, (p) => seen.push([p.done, p.total])).then(() => null, (e: { code?: string }) => e);
      expect(err?.code).toBe('55P03');
      expect(seen).toEqual([[500, 600]]);
      const [left] = await sql<{ n: number }[]>`
        select count(*)::int as n from cortex_migration.change_log where old_schema = 'crm' and old_table = 'contacts'`;
      expect(left!.n).toBe(100);
      expect(await personName(db(), 1 + (500 % 250))).toBe('Chunk one 500');
    } finally {
      await holder`rollback`;
      holder.release();
    }
    expect(await drainChangeLog(sql, 'crm', 'contacts', 0)).toBe(1);
    expect(await personName(db(), 300)).toBe('Chunk two 100');
  });
  it('plans every replay chunk for its own keys, without JIT', async () => {
    // A cached generic plan tests each row against the whole key array: quadratic in chunk size.
    const [f] = await db().sql<{ config: string[] }[]>`
      select p.proconfig as config from pg_proc p
      where p.pronamespace = 'cortex_migration'::regnamespace and p.proname = 'drain_change_log'`;
    expect(f!.config).toEqual(expect.arrayContaining(['plan_cache_mode=force_custom_plan', 'jit=off']));
  });

  it('replays a log entry larger than a chunk in slices, each committed on its own', async () => {
    const sql = db().sql;
    const ids = (await sql<{ id: number }[]>`select contact_id as id from crm.contacts order by 1 limit 250`).map((r) => r.id);
    expect(ids.length).toBe(250);
    // One 250-row statement the triggers did not sync, logged as the change-log trigger logs it.
    await sql`alter table crm.contacts disable trigger user`;
    try {
      await sql`update crm.contacts set full_name = 'Slice ' || contact_id where contact_id = any(${ids})`;
      await sql`insert into cortex_migration.change_log (old_schema, old_table, old_ids) values ('crm', 'contacts', ${ids.map(String)})`;
    } finally {
      await sql`alter table crm.contacts enable trigger user`;
    }
    const holder = await sql.reserve();
    try {
      // A writer holds a row of the third slice (100 keys per slice).
      await holder`begin`;
      await holder`select 1 from crm.contacts where contact_id = ${ids[220]!} for update`;
      const seen: number[][] = [];
      const err = await drainChangeLog(sql, 'crm', 'contacts', 0, (p) => seen.push([p.done, p.total]), 100).then(() => null, (e: { code?: string }) => e);
      expect(err?.code).toBe('55P03');
      expect(seen).toEqual([[100, 250], [200, 250]]);
      expect(await personName(db(), ids[0]!)).toBe(`Slice ${ids[0]}`);
      expect(await personName(db(), ids[220]!)).not.toBe(`Slice ${ids[220]}`);
      // The entry stays in the log until its last slice is in.
      const [left] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.change_log`;
      expect(left!.n).toBe(1);
    } finally {
      await holder`rollback`;
      holder.release();
    }
    expect(await drainChangeLog(sql, 'crm', 'contacts', 0, undefined, 100)).toBe(250);
    expect(await personName(db(), ids[220]!)).toBe(`Slice ${ids[220]}`);
    const [left] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.change_log`;
    expect(left!.n).toBe(0);
  });
});

describe('no lost writes while the application keeps writing', () => {
  it('a writer on 2 connections runs through phases 3 and 4 with no failed transaction', async () => {
    const d = await createDatabase('dwload');
    const writer = postgres(d.url, { max: 2, onnotice: () => {} });
    try {
      await loadLegacyFixture(d.sql, { scale: 0.5, seed: 6, dirty: false, replace: false });
      await migrate(d, 1);
      await migrate(d, 2);
      let stop = false;
      let ok = 0;
      const failures: string[] = [];
      const loop = async (w: number) => {
        for (let i = 0; !stop; i++) {
          try {
            if (i % 4 === 0) await writer`insert into crm.contacts (full_name) values (${`Writer ${w}-${i}`})`;
            else if (i % 4 === 1) await writer`insert into crm.tasks (title, status, assigned_contact_id) values (${`Task ${w}-${i}`}, 'pending', ${1 + (i % 50)})`;
            else if (i % 4 === 2) await writer`update crm.contacts set full_name = ${`Updated ${w}-${i}`} where contact_id = ${1 + ((i * 7 + w) % 4000)}`;
            else await writer`update crm.tasks set status = 'done', title = ${`Done ${w}-${i}`} where task_id = ${1 + ((i * 13 + w) % 14000)}`;
            ok++;
          } catch (err) {
            failures.push((err as Error).message);
          }
        }
      };
      const writers = [loop(1), loop(2)];
      // Writers as fast as the server goes, which the governor would rightly make the backfill
      // yield to for minutes: what is tested here is that no write is lost, at full speed.
      await migrate(d, 3, ['--no-governor']);
      await migrate(d, 4, ['--no-governor']);
      await new Promise((r) => setTimeout(r, 500));
      stop = true;
      await Promise.all(writers);
      expect(failures).toEqual([]);
      expect(ok).toBeGreaterThan(100);
      const [c] = await d.sql<{ legacy: number; target: number; names: number; tasks: number; ttarget: number; titles: number }[]>`
        select (select count(*) from crm.contacts)::int as legacy,
               (select count(*) from cortex_entities.persons)::int as target,
               (select count(*) from crm.contacts l join cortex_migration.migration_mappings mm on mm.old_table = 'contacts' and mm.old_id = l.contact_id::text
                  join cortex_entities.persons p on p.id = mm.new_id where p.full_name is distinct from l.full_name)::int as names,
               (select count(*) from crm.tasks)::int as tasks,
               (select count(*) from cortex_projects.tasks)::int as ttarget,
               (select count(*) from crm.tasks l join cortex_migration.migration_mappings mm on mm.old_table = 'tasks' and mm.old_id = l.task_id::text
                  join cortex_projects.tasks t on t.id = mm.new_id::uuid where t.title <> l.title or t.status <> replace(l.status, 'pending', 'todo'))::int as titles`;
      expect(c!.target).toBe(c!.legacy);
      expect(c!.names).toBe(0);
      expect(c!.ttarget).toBe(c!.tasks);
      const diff = await d.sql`
        select l.task_id, l.title, l.status, t.title as t_title, t.status as t_status, l.updated_at,
               (select reason from cortex_migration.quarantine q where q.old_table = 'tasks' and q.old_id = l.task_id::text) as q
        from crm.tasks l join cortex_migration.migration_mappings mm on mm.old_table = 'tasks' and mm.old_id = l.task_id::text
        join cortex_projects.tasks t on t.id = mm.new_id::uuid where t.title <> l.title or t.status <> replace(l.status, 'pending', 'todo')`;
      expect(diff).toEqual([]);
      expect(c!.titles).toBe(0);
    } finally {
      await writer.end();
      await dropDatabase(d);
    }
  });
});
