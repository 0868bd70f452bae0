drop function cortex_migration.legacy_task_status(text);
drop function cortex_migration.drain_reverse_log(integer);
drop table cortex_migration.reverse_writes;
drop table cortex_migration.reverse_log;
