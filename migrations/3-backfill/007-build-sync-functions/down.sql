do $$
declare m cortex_migration.mapped_tables;
begin
  for m in select * from cortex_migration.mapped_tables loop
    execute format('drop function if exists cortex_migration.%I(text[])', cortex_migration.sync_function_name(m));
    execute format('drop function if exists cortex_migration.%I(text[])', cortex_migration.sync_function_name(m) || '_fill');
  end loop;
end $$;
drop function cortex_migration.retry_dependents(text, text, text[]);
drop function cortex_migration.retry_rows(text, text, text[]);
drop function cortex_migration.writable_quarantine();
drop function cortex_migration.retry_good_now();
drop function cortex_migration.good_now(text, text);
drop function cortex_migration.retry_waiting(text, text, text[]);
drop index cortex_migration.quarantine_awaited_idx;
drop function cortex_migration.awaited_key(text);
drop function cortex_migration.awaited_table(text);
drop function cortex_migration.delete_target_rows(text, text, text[]);
do $$
declare m cortex_migration.mapped_tables;
begin
  for m in select * from cortex_migration.mapped_tables loop
    execute format('drop function if exists cortex_migration.%I(text[], text[], integer)', cortex_migration.below_function_name(m.old_schema, m.old_table));
  end loop;
end $$;
drop function cortex_migration.build_below(cortex_migration.mapped_tables);
drop function cortex_migration.below_function_name(text, text);
drop type cortex_migration.dependent_rows;
drop view cortex_migration.target_edges;
