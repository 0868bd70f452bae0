-- The dual-write floor: what the writes of writes.sql cost when the application itself also writes
-- the target, by hand, in server-side functions (one round trip per statement, cached plans, only
-- the columns that change). No trigger can do the same work for less; dual_write_tps_ratio is read
-- against this. Created in a scratch schema and dropped after the run. Each runs with
-- cortex.in_forward on, as cortex's own forward writes do: the target writes here stand for
-- dual-write's, and must not be written back to legacy by the reverse triggers.
create schema bench_floor;

create function bench_floor.rename_contact(c integer) returns void language plpgsql set cortex.in_forward = 'on' as $$
declare
  nid varchar;
begin
  update crm.contacts set full_name = 'Bench contact ' || c, updated_at = now() where contact_id = c;
  select new_id into nid from cortex_migration.migration_mappings where old_schema = 'crm' and old_table = 'contacts' and old_id = c::text;
  update cortex_foundation.entities set name = 'Bench contact ' || c, updated_at = now() where id = nid;
  update cortex_entities.persons set full_name = 'Bench contact ' || c, first_name = 'Bench', last_name = 'contact ' || c, updated_at = now()
   where id = nid;
end $$;

create function bench_floor.move_task(t integer) returns void language plpgsql set cortex.in_forward = 'on' as $$
begin
  update crm.tasks set status = 'in_progress', updated_at = now() where task_id = t;
  update cortex_projects.tasks set status = 'in_progress', updated_at = now()
   where id = (select new_id::uuid from cortex_migration.migration_mappings where old_schema = 'crm' and old_table = 'tasks' and old_id = t::text);
end $$;

create function bench_floor.add_task(c integer) returns void language plpgsql set cortex.in_forward = 'on' as $$
declare
  k integer;
  ts timestamptz;
  nid varchar;
begin
  insert into crm.tasks (title, status, assigned_contact_id) values ('Bench task', 'pending', c) returning task_id, created_at into k, ts;
  insert into cortex_migration.migration_mappings (old_schema, old_table, old_id, new_schema, new_table, new_id)
  values ('crm', 'tasks', k::text, 'cortex_projects', 'tasks', gen_random_uuid()::text) returning new_id into nid;
  insert into cortex_projects.tasks (id, title, status, assigned_to_id, created_at, updated_at)
  values (nid::uuid, 'Bench task', 'todo',
          (select new_id from cortex_migration.migration_mappings where old_schema = 'crm' and old_table = 'contacts' and old_id = c::text), ts, ts);
end $$;
