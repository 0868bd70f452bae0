drop table cortex_migration.archive_backup;
drop table cortex_migration.archive;
