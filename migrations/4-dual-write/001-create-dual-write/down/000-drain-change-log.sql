drop function cortex_migration.drain_change_log(text, text, integer, bigint, integer);
