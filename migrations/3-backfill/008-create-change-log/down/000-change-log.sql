drop table cortex_migration.change_log;
drop table cortex_migration.capture;
