do $$
declare m cortex_migration.mapped_tables;
begin
  for m in select * from cortex_migration.mapped_tables loop
    execute format('drop function if exists cortex_migration.%I()', 'log_' || m.old_schema || '_' || m.old_table);
  end loop;
end $$;
drop function cortex_migration.build_change_log(cortex_migration.mapped_tables);
drop function cortex_migration.changed_keys_block(cortex_migration.mapped_tables);
drop table cortex_migration.change_log;
drop table cortex_migration.capture;
