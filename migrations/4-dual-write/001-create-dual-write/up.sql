-- Dual-write (seed 000 "Database Triggers for Data Sync"), set-based: one statement-level trigger
-- per event applies the same sync function as the backfill to the keys the statement touched.
-- A key that cannot be migrated is quarantined; the application's write always commits.
-- Generate dw_<schema>_<table>(), the trigger function of one mapped table, with static SQL only:
-- plpgsql prepares each statement once per session, so a one-row write pays for no planning.
create function cortex_migration.build_dual_write(m cortex_migration.mapped_tables) returns void
language plpgsql as $build$
declare
  keyx text := cortex_migration.key_expression(m.key_columns, 's');
  mapping text := replace(cortex_migration.mapping_sql(m, 'new_rows'), '$1', '(select z.salt from cortex_migration.id_salt z)');
begin
  execute format($f$create or replace function cortex_migration.%I() returns trigger language plpgsql as %L$f$,
    'dw_' || m.old_schema || '_' || m.old_table,
    format($body$
declare
  ids text[];
  plan_mode text := current_setting('plan_cache_mode');
begin
  begin
    if tg_op = 'INSERT' then
      -- Map new rows here too, so sync never depends on the order triggers fire in.
      %1$s;
      ids := array(select %2$s from new_rows s);
    elsif tg_op = 'DELETE' then
      ids := array(select %2$s from old_rows s);
    else
      ids := array(select %2$s from new_rows s union select %2$s from old_rows s);
    end if;
    perform set_config('cortex.sync_source', 'dual-write', true);
    -- One-row writes reuse a cached generic plan (no planning per write); bulk statements get a
    -- plan made for their size. The application's own setting is restored afterwards.
    perform set_config('plan_cache_mode',
      case when cardinality(ids) <= 64 then 'force_generic_plan' else 'force_custom_plan' end, true);
    begin
      perform cortex_migration.%3$I(ids);
    exception when others then
      -- One key at a time, quarantining the ones that cannot be written.
      perform cortex_migration.sync_safely(%4$L, %5$L, ids);
    end;
    perform set_config('plan_cache_mode', plan_mode, true);
  exception when others then
    -- Last line of defence: record the keys and let the application's write commit.
    begin
      insert into cortex_migration.quarantine (old_schema, old_table, old_id, reason, source)
      select %4$L, %5$L, k, 'dual-write failed: ' || sqlerrm, 'dual-write' from unnest(ids) k
      on conflict (old_schema, old_table, old_id) do update set reason = excluded.reason, last_seen = clock_timestamp();
    exception when others then
      raise warning 'cortex dual-write on %4$s.%5$s failed: %%', sqlerrm;
    end;
    perform set_config('plan_cache_mode', plan_mode, true);
  end;
  return null;
end$body$, mapping, keyx, cortex_migration.sync_function_name(m), m.old_schema, m.old_table));
end $build$;

select cortex_migration.build_dual_write(m) from cortex_migration.mapped_tables m order by position;

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
