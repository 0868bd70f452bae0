// The way back: writes the application makes on the target reach the legacy tables in the same
// transaction, without loops, and without a lock cycle with the legacy writers' dual-write.
import postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/client.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('reverse');
const cli = (args: string[]) => runCli(['--database-url', db().url, ...args]);

interface LegacyTask { task_id: number; title: string; status: string | null; priority: string | null; project_id: number | null }

async function legacyOf(sql: Sql, targetId: string): Promise<LegacyTask | undefined> {
  const [t] = await sql<LegacyTask[]>`
    select t.task_id, t.title, t.status, t.priority, t.project_id from crm.tasks t
      join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'tasks' and m.old_id = t.task_id::text
     where m.new_id = ${targetId}`;
  return t;
}

async function reverseWrites(sql: Sql): Promise<number> {
  const [r] = await sql<{ n: number }[]>`select coalesce(sum(n), 0)::int as n from cortex_migration.reverse_writes`;
  return r!.n;
}

describe('reverse sync (target → legacy)', () => {
  let project: { new_id: string; old_id: string };

  beforeAll(async () => {
    await loadLegacyFixture(db().sql, { scale: 0.02, seed: 21, dirty: false, replace: false });
    for (const n of [1, 2, 3, 4]) expect((await cli(['migrate', 'phase', String(n)])).code).toBe(0);
    [project] = await db().sql<{ new_id: string; old_id: string }[]>`
      select new_id, old_id from cortex_migration.migration_mappings where old_schema = 'crm' and old_table = 'projects' order by old_id limit 1`;
  });

  it('a task created, renamed and deleted on the target is created, renamed and deleted in crm.tasks, with its mapping', async () => {
    const sql = db().sql;
    const [t] = await sql<{ id: string }[]>`
      insert into cortex_projects.tasks (title, status, priority, project_id) values ('Made on the target', 'todo', 'high', ${project.new_id})
      returning id::text`;
    const made = await legacyOf(sql, t!.id);
    expect(made).toMatchObject({ title: 'Made on the target', status: 'pending', priority: 'high', project_id: Number(project.old_id) });
    // The mapping is the target's own id, one row, and the legacy key is the table's next serial.
    const maps = await sql`select * from cortex_migration.migration_mappings where new_id = ${t!.id}`;
    expect(maps).toHaveLength(1);

    await sql`update cortex_projects.tasks set title = 'Renamed on the target', status = 'done' where id = ${t!.id}::uuid`;
    expect(await legacyOf(sql, t!.id)).toMatchObject({ title: 'Renamed on the target', status: 'done' });

    // A later touch of the legacy row syncs forward what the legacy row holds: the target keeps its title.
    await sql`update crm.tasks set priority = priority where task_id = ${made!.task_id}`;
    const [after] = await sql<{ title: string; status: string }[]>`select title, status from cortex_projects.tasks where id = ${t!.id}::uuid`;
    expect(after).toEqual({ title: 'Renamed on the target', status: 'done' });

    await sql`delete from cortex_projects.tasks where id = ${t!.id}::uuid`;
    const [gone] = await sql<{ n: number }[]>`select count(*)::int as n from crm.tasks where task_id = ${made!.task_id}`;
    expect(gone!.n).toBe(0);
  });

  it('writes made by one direction do not come back through the other (no loops)', async () => {
    const sql = db().sql;
    const before = await reverseWrites(sql);
    const [k] = await sql<{ task_id: number }[]>`select task_id from crm.tasks order by task_id limit 1`;
    await sql`update crm.tasks set title = 'Renamed on the legacy side' where task_id = ${k!.task_id}`;
    const [t] = await sql<{ title: string }[]>`
      select t.title from cortex_projects.tasks t join cortex_migration.migration_mappings m on m.new_id = t.id::text
       where m.old_schema = 'crm' and m.old_table = 'tasks' and m.old_id = ${String(k!.task_id)}`;
    expect(t!.title).toBe('Renamed on the legacy side');
    // The forward sync's write of the target did not go back to legacy.
    expect(await reverseWrites(sql)).toBe(before);
  });

  it('a target reference with no legacy row fails the write, naming it; nothing is half-written', async () => {
    const sql = db().sql;
    const err = await sql`insert into cortex_projects.tasks (title, project_id) values ('Orphan', 'cj_00000000000000000000000000000000')`.catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/cannot be written back to crm\.tasks: project_id cj_0+ has no crm\.projects row/);
    const [n] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_projects.tasks where title = 'Orphan'`;
    expect(n!.n).toBe(0);
  });

  it('a legacy row held by another transaction: the target write does not wait; the deferred id is applied once it is free', async () => {
    const sql = db().sql;
    const [k] = await sql<{ task_id: number; new_id: string }[]>`
      select t.task_id, m.new_id from crm.tasks t join cortex_migration.migration_mappings m
        on m.old_schema = 'crm' and m.old_table = 'tasks' and m.old_id = t.task_id::text order by t.task_id offset 3 limit 1`;
    const holder = postgres(db().url, { max: 1, onnotice: () => {} });
    try {
      const held = await holder.reserve();
      await held`begin`;
      await held`select 1 from crm.tasks where task_id = ${k!.task_id} for update`;
      // Would wait for the holder if the reverse waited: a statement_timeout turns a wait into an error.
      await sql.begin(async (tx) => {
        await tx`set local statement_timeout = '3s'`;
        await tx`update cortex_projects.tasks set title = 'Written while the legacy row was held' where id = ${k!.new_id}::uuid`;
      });
      const [log] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.reverse_log where ${k!.new_id} = any(new_ids)`;
      expect(log!.n).toBe(1);
      await held`commit`;
      held.release();
    } finally {
      await holder.end();
    }
    const [d] = await sql<{ n: number }[]>`select cortex_migration.drain_reverse_log() as n`;
    expect(d!.n).toBe(1);
    expect((await legacyOf(sql, k!.new_id))!.title).toBe('Written while the legacy row was held');
  });

  it('legacy and target writers on the same rows at once: no deadlock, no failed transaction, and validation passes', async () => {
    const [ids] = await db().sql<{ legacy: number[]; target: string[] }[]>`
      select array_agg(t.task_id order by t.task_id) as legacy, array_agg(m.new_id order by t.task_id) as target
        from (select task_id from crm.tasks order by task_id limit 6) t
        join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'tasks' and m.old_id = t.task_id::text`;
    const writer = async (side: 'legacy' | 'target', seed: number) => {
      const conn = postgres(db().url, { max: 1, onnotice: () => {} });
      const failures: string[] = [];
      try {
        for (let i = 0; i < 60; i++) {
          const x = (i * 7 + seed) % 6;
          const y = (x + 1 + (i % 5)) % 6;
          await conn.begin(async (tx) => {
            // Two rows per transaction, always in the same order (so the application itself cannot
            // deadlock): a two-way sync that waited for the other side's row would.
            for (const j of [Math.min(x, y), Math.max(x, y)]) {
              if (side === 'legacy') await tx`update crm.tasks set title = ${`legacy ${seed}/${i}`} where task_id = ${ids!.legacy[j]!}`;
              else await tx`update cortex_projects.tasks set title = ${`target ${seed}/${i}`} where id = ${ids!.target[j]!}::uuid`;
            }
          }).catch((e: Error & { code?: string }) => failures.push(`${e.code}: ${e.message}`));
        }
      } finally {
        await conn.end();
      }
      return failures;
    };
    const failures = (await Promise.all([writer('legacy', 1), writer('legacy', 2), writer('target', 3), writer('target', 4)])).flat();
    expect(failures).toEqual([]);
    await db().sql`select cortex_migration.drain_reverse_log(1000)`;
    // Both sides hold the same titles.
    const diff = await db().sql`
      select t.task_id from crm.tasks t join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'tasks' and m.old_id = t.task_id::text
        join cortex_projects.tasks x on x.id::text = m.new_id where t.task_id = any(${ids!.legacy}) and t.title is distinct from x.title`;
    expect(diff).toEqual([]);
    expect((await cli(['migrate', 'phase', '5'])).code).toBe(0);
  });

  it('a target row no legacy row accounts for (written with the reverse sync off) fails validation, named', async () => {
    const sql = db().sql;
    await sql`alter table cortex_projects.tasks disable trigger cortex_reverse_sync`;
    const [t] = await sql<{ id: string }[]>`insert into cortex_projects.tasks (title) values ('Behind the way back') returning id::text`;
    await sql`alter table cortex_projects.tasks enable trigger cortex_reverse_sync`;
    const r = await cli(['--json', 'validate']);
    expect(r.code, r.stderr).toBe(1);
    const checks = JSON.parse(r.stdout).data.report.steps.flatMap((s: { checks: Array<{ id: string; status: string; details?: string }> }) => s.checks);
    const accounted = checks.find((c: { id: string }) => c.id === 'accounted-cortex_projects.tasks');
    expect(accounted).toMatchObject({ status: 'failed', actual: 1 });
    expect(accounted.details).toContain(t!.id);
    await sql`alter table cortex_projects.tasks disable trigger cortex_reverse_sync`;
    await sql`delete from cortex_projects.tasks where id = ${t!.id}::uuid`;
    await sql`alter table cortex_projects.tasks enable trigger cortex_reverse_sync`;
    expect((await cli(['validate'])).code).toBe(0);
  });

  it('status counts the writes from each side since phase 4, per table', async () => {
    const status = async () => {
      const r = await cli(['--json', 'status']);
      return (JSON.parse(r.stdout).data.writes as Array<{ table: string; legacy: number; target: number }>).find((w) => w.table === 'crm.tasks')!;
    };
    const before = await status();
    const conn = await db().sql.reserve();
    try {
      await conn`update crm.tasks set title = title || '' where task_id in (select task_id from crm.tasks order by task_id limit 3)`;
      await conn`insert into cortex_projects.tasks (title) values ('Counted on the target side')`;
      // pg_stat reaches a table's counter when a backend reports; this one reports now.
      await conn`select pg_stat_force_next_flush()`;
    } finally {
      conn.release();
    }
    let after = await status();
    for (let i = 0; i < 50 && after.legacy < before.legacy + 3; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = await status();
    }
    expect(after.target).toBe(before.target + 1);
    expect(after.legacy).toBe(before.legacy + 3);
    const text = (await cli(['status'])).stderr + (await cli(['status'])).stdout;
    expect(text).toMatch(/writes since phase 4: [\d,]+ from the legacy side, [\d,]+ from the target side/);
  });

  it("a tag the application creates on the target (its own id) survives the next legacy write of the row it tags", async () => {
    const sql = db().sql;
    const [p] = await sql<{ id: string; contact: number }[]>`
      select m.new_id as id, m.old_id::int as contact from cortex_migration.migration_mappings m
        join cortex_entities.persons x on x.id = m.new_id where m.old_schema = 'crm' and m.old_table = 'contacts' order by m.old_id limit 1`;
    const [tag] = await sql<{ id: string }[]>`insert into cortex_foundation.tags (name, tag_type, scope) values ('Made on the target', 'category', 'global') returning id::text`;
    await sql`insert into cortex_foundation.entity_tags (entity_id, tag_id) values (${p!.id}, ${tag!.id}::uuid)`;
    const [legacy] = await sql<{ tags: string[] }[]>`select tags from crm.contacts where contact_id = ${p!.contact}`;
    expect(legacy!.tags).toContain('Made on the target');
    // The forward sync finds the tag by its name: the application's id, not a derived one.
    await sql`update crm.contacts set notes = coalesce(notes, '') where contact_id = ${p!.contact}`;
    const [q] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.quarantine where old_table = 'contacts' and old_id = ${String(p!.contact)}`;
    expect(q!.n).toBe(0);
    const [link] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_foundation.entity_tags where entity_id = ${p!.id} and tag_id = ${tag!.id}::uuid`;
    expect(link!.n).toBe(1);
  });
});
