-- The reverse floor: what the writes of reverse-writes.sql cost when the application itself also
-- writes the legacy rows, by hand, in server-side functions (cached plans, only the columns that
-- change, no lock taken beyond the writes). No trigger can do the same work for less;
-- reverse_write_tps_ratio is read against this. Created with bench_reverse.task_ids, dropped after.
-- Each runs with cortex.in_reverse on, as the reverse sync does: its legacy writes stand for the
-- reverse's, and are not synced forward again (nor mapped by the mapping trigger).
create function bench_reverse.move_task(t integer) returns void language plpgsql set cortex.in_reverse = 'on' as $$
declare
  tid uuid := (select id from bench_reverse.task_ids where n = t);
begin
  update cortex_projects.tasks set status = 'in_progress', updated_at = now() where id = tid;
  update crm.tasks set status = 'in_progress', updated_at = now()
   where task_id = (select old_id::integer from cortex_migration.migration_mappings where new_id = tid::text);
end $$;

create function bench_reverse.add_task() returns void language plpgsql set cortex.in_reverse = 'on' as $$
declare
  tid uuid;
  k integer;
  ts timestamptz;
begin
  insert into cortex_projects.tasks (title, status) values ('Bench target task', 'todo') returning id, created_at into tid, ts;
  insert into crm.tasks (title, status, created_at, updated_at) values ('Bench target task', 'pending', ts, ts) returning task_id into k;
  insert into cortex_migration.migration_mappings (old_schema, old_table, old_id, new_schema, new_table, new_id)
  values ('crm', 'tasks', k::text, 'cortex_projects', 'tasks', tid::text);
end $$;
