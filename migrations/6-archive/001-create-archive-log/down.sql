drop table cortex_migration.archive;
