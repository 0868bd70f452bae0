drop function cortex_migration.plain_update_block(cortex_migration.mapped_tables);
drop table cortex_migration.derived_columns;
drop table cortex_migration.plain_columns;
