import { describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../helpers/db.js';
import { BY_SET, dualWriteDatabase, EMPTY, EMPTY_MD5, generatedSettings, rolledBack, type State, targetState } from '../helpers/rebuild.js';

// The row path goes one legacy row at a time, as the dual-write trigger does for a one-row
// statement: the row path, or the set path when it declines (-1) or fails. A row that fails (a
// child written before its parent) is retried once everything else is in, as the backfill does.
const BY_ROW = `
do $$
declare
  m cortex_migration.mapped_tables;
  k text;
  r integer;
  failed text[] := '{}';
  f text;
begin
  for m in select * from cortex_migration.mapped_tables order by position loop
    for k in execute format('select %s from %I.%I s order by 1', cortex_migration.key_expression(m.key_columns, 's'), m.old_schema, m.old_table) loop
      begin
        execute format('select cortex_migration.%I($1)', m.sync_one_function) into r using k;
        if r >= 0 then
          insert into row_path_taken values (m.old_schema || '.' || m.old_table);
        else
          execute format('select cortex_migration.%I($1)', m.sync_function) using array[k];
        end if;
      exception when others then
        failed := failed || (m.old_schema || '|' || m.old_table || '|' || k);
      end;
    end loop;
  end loop;
  foreach f in array failed loop
    perform cortex_migration.sync_safely(split_part(f, '|', 1), split_part(f, '|', 2), array[split_part(f, '|', 3)]);
  end loop;
end $$`;

describe('dual-write row path', () => {
  const db = useFreshDatabase('rowpath');

  it('writes exactly what the set path (the backfill) writes, for every row of every mapped table', async () => {
    const sql = db().sql;
    await dualWriteDatabase(db(), 9);
    let bySet: State | undefined;
    let byRow: State | undefined;
    let taken: { t: string; n: number }[] = [];
    await rolledBack(sql, async (tx) => {
      await tx.unsafe(EMPTY);
      await tx.unsafe(BY_SET);
      bySet = await targetState(tx);
      await tx.unsafe(EMPTY);
      await tx`create temporary table row_path_taken (t text) on commit drop`;
      await tx.unsafe(BY_ROW);
      byRow = await targetState(tx);
      taken = await tx<{ t: string; n: number }[]>`select t, count(*)::int as n from row_path_taken group by t order by t`;
    });
    expect(bySet!.quarantine.length).toBeGreaterThan(0);
    expect(Object.values(bySet!.hashes).filter((h) => h !== EMPTY_MD5).length).toBeGreaterThan(15);
    expect(byRow).toEqual(bySet);
    // The row path really ran, on every mapped table.
    const [mapped] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.mapped_tables`;
    expect(taken.length).toBe(mapped!.n);
  });

  it('every row-path function plans generically from its first call (no per-session custom plans)', async () => {
    const { fns, mapped } = await generatedSettings(db().sql, '^sync_.*_one$');
    expect(fns.length).toBe(mapped);
    for (const f of fns) expect(f.config, f.name).toEqual(['plan_cache_mode=force_generic_plan', 'cortex.in_forward=on']);
  });

  it('computes derived ids inline: derived_id is never called as a function, per tag or per link', async () => {
    let calls: { f: string; n: number }[] = [];
    let written = 0;
    await rolledBack(db().sql, async (tx) => {
      // track_functions 'all' counts SQL functions too, except those the planner inlined.
      await tx`set local track_functions = 'all'`;
      await tx`insert into crm.tasks (title, status, tags, triggering_message_id)
               values ('Inline ids', 'pending', '["a", "b"]', (select min(message_id) from whatsapp.messages))`;
      await tx`update crm.contacts set tags = '["x", "y"]', full_name = 'Inline ids'
               where contact_id = (select min(contact_id) from crm.contacts c
                                    where not exists (select 1 from cortex_migration.quarantine q where q.old_table = 'contacts' and q.old_id = c.contact_id::text))`;
      calls = await tx<{ f: string; n: number }[]>`
        select funcname as f, calls::int as n from pg_stat_xact_user_functions where funcname in ('derived_id', 'sync_crm_tasks_one', 'sync_crm_contacts_one') order by 1`;
      const [t] = await tx<{ n: number }[]>`
        select count(*)::int as n from cortex_foundation.content_tags x join cortex_projects.tasks t on x.content_id = t.id::text where t.title = 'Inline ids'`;
      written = t!.n;
    });
    // The row path ran for both writes and wrote the task's tag links.
    expect(calls.filter((c) => c.f !== 'derived_id').map((c) => c.n)).toEqual([1, 1]);
    expect(written).toBe(2);
    expect(calls.find((c) => c.f === 'derived_id')).toBeUndefined();
  });

  it('after one-row writes through the triggers, the target equals a set-path rebuild', async () => {
    const sql = db().sql;
    // One-row statements of every kind the row path has a branch for: tags added, changed and
    // removed (stale links deleted), names, statuses, message links made and dropped, inserts.
    const writes = `
      do $$
      declare i integer;
      begin
        for i in select contact_id from crm.contacts where tags is not null and jsonb_array_length(tags) > 0 order by 1 limit 20 loop
          update crm.contacts set tags = '["vip", "moved"]' where contact_id = i;
        end loop;
        for i in select contact_id from crm.contacts where tags is not null and jsonb_array_length(tags) > 0 and not tags ? 'moved' order by 1 limit 20 loop
          update crm.contacts set tags = null where contact_id = i;
        end loop;
        for i in select contact_id from crm.contacts order by 1 desc limit 20 loop
          update crm.contacts set full_name = 'Renamed ' || i, updated_at = now() where contact_id = i;
        end loop;
        for i in select company_id from crm.companies order by 1 limit 10 loop
          update crm.companies set tags = '["partner"]' where company_id = i;
        end loop;
        for i in select task_id from crm.tasks where triggering_message_id is null order by 1 limit 20 loop
          update crm.tasks set triggering_message_id = (select min(message_id) from whatsapp.messages), tags = '["follow-up"]' where task_id = i;
        end loop;
        for i in select task_id from crm.tasks where triggering_message_id is not null order by 1 desc limit 10 loop
          update crm.tasks set triggering_message_id = null, status = 'done' where task_id = i;
        end loop;
        for i in 1..10 loop
          insert into crm.contacts (full_name, tags) values ('New ' || i, '["fresh"]');
          insert into crm.tasks (title, status, tags) values ('New task ' || i, 'pending', '["fresh"]');
          -- New rows with derived relationships (links), and without tags.
          insert into crm.tasks (title, status, triggering_message_id) values ('New linked task ' || i, 'pending', (select min(message_id) from whatsapp.messages));
          insert into crm.notes (title, contact_id) values ('New note ' || i, (select min(contact_id) from crm.contacts));
        end loop;
      end $$`;
    let live: State | undefined;
    let rebuilt: State | undefined;
    let rowCalls = 0;
    await rolledBack(sql, async (tx) => {
      // Start from a set-path state made in this transaction.
      await tx.unsafe(EMPTY);
      await tx.unsafe(BY_SET);
      await tx`set local track_functions = 'pl'`;
      await tx.unsafe(writes);
      const [c] = await tx<{ n: number }[]>`
        select coalesce(sum(calls), 0)::int as n from pg_stat_xact_user_functions where funcname like 'sync\\_%\\_one'`;
      rowCalls = c!.n;
      live = await targetState(tx);
      await tx.unsafe(EMPTY);
      await tx.unsafe(BY_SET);
      rebuilt = await targetState(tx);
    });
    expect(rowCalls).toBeGreaterThanOrEqual(100);
    expect(live).toEqual(rebuilt);
  });
  it('compares tag links only when the legacy tags changed, or on a touch', async () => {
    const sql = db().sql;
    type Links = { contact: number; task: number };
    let afterRename: Links | undefined;
    let afterTouch: Links | undefined;
    let afterTagChange: Links | undefined;
    let live: State | undefined;
    let rebuilt: State | undefined;
    await rolledBack(sql, async (tx) => {
      // Start from a set-path state made in this transaction, as the rebuild below is.
      await tx.unsafe(EMPTY);
      await tx.unsafe(BY_SET);
      const [c] = await tx<{ id: number }[]>`
        select contact_id as id from crm.contacts where case when jsonb_typeof(tags) = 'array' then jsonb_array_length(tags) end > 0
           and contact_id::text not in (select old_id from cortex_migration.quarantine) order by 1 limit 1`;
      const [t] = await tx<{ id: number }[]>`
        select task_id as id from crm.tasks where case when jsonb_typeof(tags) = 'array' then jsonb_array_length(tags) end > 0
           and task_id::text not in (select old_id from cortex_migration.quarantine) order by 1 limit 1`;
      const links = async (): Promise<Links> => {
        const [r] = await tx<Links[]>`
          select (select count(*) from cortex_foundation.entity_tags x join cortex_migration.migration_mappings m
                    on m.old_schema = 'crm' and m.old_table = 'contacts' and m.old_id = ${c!.id}::text and x.entity_id = m.new_id)::int as contact,
                 (select count(*) from cortex_foundation.content_tags x join cortex_migration.migration_mappings m
                    on m.old_schema = 'crm' and m.old_table = 'tasks' and m.old_id = ${t!.id}::text
                   and x.content_type = 'task' and x.content_id = m.new_id)::int as task`;
        return r!;
      };
      // Behind the way back too (undone with the transaction): with it on, a tag link's removal is the
      // application's and reaches the legacy tags.
      await tx`alter table cortex_foundation.entity_tags disable trigger cortex_reverse_sync`;
      // Links lost behind cortex's back: a rename with the tags unchanged does not look at them...
      await tx`delete from cortex_foundation.entity_tags x using cortex_migration.migration_mappings m
               where m.old_schema = 'crm' and m.old_table = 'contacts' and m.old_id = ${c!.id}::text and x.entity_id = m.new_id`;
      await tx`delete from cortex_foundation.content_tags x using cortex_migration.migration_mappings m
               where m.old_schema = 'crm' and m.old_table = 'tasks' and m.old_id = ${t!.id}::text and x.content_id = m.new_id`;
      await tx`update crm.contacts set full_name = full_name || ' (renamed)' where contact_id = ${c!.id}`;
      await tx`update crm.tasks set status = 'done' where task_id = ${t!.id}`;
      afterRename = await links();
      // ...a touch (no column changed) re-syncs everything, links included...
      await tx`update crm.contacts set updated_at = updated_at where contact_id = ${c!.id}`;
      await tx`update crm.tasks set updated_at = updated_at where task_id = ${t!.id}`;
      afterTouch = await links();
      // ...and so does a change of the tags themselves.
      await tx`delete from cortex_foundation.entity_tags x using cortex_migration.migration_mappings m
               where m.old_schema = 'crm' and m.old_table = 'contacts' and m.old_id = ${c!.id}::text and x.entity_id = m.new_id`;
      await tx`update crm.contacts set tags = tags || '["again"]' where contact_id = ${c!.id}`;
      afterTagChange = await links();
      live = await targetState(tx);
      await tx.unsafe(EMPTY);
      await tx.unsafe(BY_SET);
      rebuilt = await targetState(tx);
    });
    expect(afterRename).toEqual({ contact: 0, task: 0 });
    expect(afterTouch!.contact).toBeGreaterThan(0);
    expect(afterTouch!.task).toBeGreaterThan(0);
    expect(afterTagChange!.contact).toBe(afterTouch!.contact + 1);
    expect(live).toEqual(rebuilt);
  });
});
