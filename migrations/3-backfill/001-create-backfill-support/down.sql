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
drop function cortex_migration.next_batch(cortex_migration.mapped_tables, text[], text[], integer);
drop function cortex_migration.high_water_key(cortex_migration.mapped_tables);
drop function cortex_migration.sync_safely(text, text, text[]);
drop function cortex_migration.build_sync(cortex_migration.mapped_tables);
drop function cortex_migration.transform_shape(cortex_migration.mapped_tables);
drop function cortex_migration.transform_view_name(cortex_migration.mapped_tables);
drop function cortex_migration.sync_function_name(cortex_migration.mapped_tables);
drop function cortex_migration.valid_tags(jsonb);
drop function cortex_migration.derived_id(text[]);
drop function cortex_migration.entity_type(text);
drop table cortex_migration.backfill_checkpoints;
drop table cortex_migration.quarantine;
