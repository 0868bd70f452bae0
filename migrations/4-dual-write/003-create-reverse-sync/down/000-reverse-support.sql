drop function cortex_migration.legacy_task_status(text);
drop function cortex_migration.drain_reverse_log(integer);
drop view cortex_migration.writes_by_side;
drop table cortex_migration.write_baseline;
drop table cortex_migration.reverse_writes;
drop table cortex_migration.reverse_log;
