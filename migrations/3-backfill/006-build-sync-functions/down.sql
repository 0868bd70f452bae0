do $$
declare m cortex_migration.mapped_tables;
begin
  for m in select * from cortex_migration.mapped_tables loop
    execute format('drop function if exists cortex_migration.%I(text[])', cortex_migration.sync_function_name(m));
    execute format('drop function if exists cortex_migration.%I(text[])', cortex_migration.sync_function_name(m) || '_fill');
  end loop;
end $$;
