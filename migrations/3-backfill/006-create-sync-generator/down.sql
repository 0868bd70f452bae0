drop function cortex_migration.build_sync(cortex_migration.mapped_tables);
