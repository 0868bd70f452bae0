-- Dual-write (seed 000 "Database Triggers for Data Sync"), set-based: one statement-level trigger
-- per event applies the same sync function as the backfill to the keys the statement touched.
-- A key that cannot be migrated is quarantined; the application's write always commits.
create function cortex_migration.dual_write() returns trigger
language plpgsql as $$
declare
  m cortex_migration.mapped_tables;
  ids text[];
begin
  select * into m from cortex_migration.mapped_tables where old_schema = tg_table_schema and old_table = tg_table_name;
  if not found then return null; end if;
  begin
    if tg_op = 'INSERT' then
      -- Map new rows here too, so sync never depends on the order triggers fire in.
      execute cortex_migration.mapping_sql(m, 'new_rows') using (select s.salt from cortex_migration.id_salt s);
    end if;
    execute cortex_migration.changed_keys_sql(m, tg_op) into ids;
    if ids is not null then
      perform set_config('cortex.sync_source', 'dual-write', true);
      perform cortex_migration.sync_safely(m.old_schema, m.old_table, ids);
    end if;
  exception when others then
    -- Last line of defence: record the keys (if they are known) and let the write commit.
    begin
      insert into cortex_migration.quarantine (old_schema, old_table, old_id, reason, source)
      select m.old_schema, m.old_table, k, 'dual-write failed: ' || sqlerrm, 'dual-write' from unnest(ids) k
      on conflict (old_schema, old_table, old_id) do update set reason = excluded.reason, last_seen = clock_timestamp();
    exception when others then
      raise warning 'cortex dual-write on %.% failed: %', tg_table_schema, tg_table_name, sqlerrm;
    end;
  end;
  return null;
end $$;

-- Replay logged changes of one table (oldest first, in chunks) and remove them from the log.
create function cortex_migration.drain_change_log(p_schema text, p_table text, chunk integer default 500)
returns bigint language plpgsql set lock_timeout = '500ms' as $$
declare
  ids text[];
  last_id bigint;
  total bigint := 0;
begin
  loop
    select array_agg(distinct k), max(c.id) into ids, last_id
      from (select id, old_ids from cortex_migration.change_log
             where old_schema = p_schema and old_table = p_table order by id limit chunk) c, unnest(c.old_ids) k;
    exit when last_id is null;
    perform set_config('cortex.sync_source', 'catch-up', true);
    perform cortex_migration.sync_safely(p_schema, p_table, ids);
    delete from cortex_migration.change_log where old_schema = p_schema and old_table = p_table and id <= last_id;
    total := total + coalesce(array_length(ids, 1), 0);
  end loop;
  return total;
end $$;
