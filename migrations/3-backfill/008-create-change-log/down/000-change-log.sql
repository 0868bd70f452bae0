drop function cortex_migration.changed_keys_block(cortex_migration.mapped_tables);
drop table cortex_migration.change_log;
drop table cortex_migration.capture;
