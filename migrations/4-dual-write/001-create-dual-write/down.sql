drop function cortex_migration.drain_change_log(text, text, integer, bigint, integer);
do $$
declare m cortex_migration.mapped_tables;
begin
  for m in select * from cortex_migration.mapped_tables loop
    execute format('drop function if exists cortex_migration.%I()', 'dw_' || m.old_schema || '_' || m.old_table);
    execute format('drop function if exists cortex_migration.%I(text, boolean, boolean)', cortex_migration.sync_function_name(m) || '_one');
  end loop;
end $$;
drop function cortex_migration.build_dual_write(cortex_migration.mapped_tables);
drop function cortex_migration.build_sync_one(cortex_migration.mapped_tables);
