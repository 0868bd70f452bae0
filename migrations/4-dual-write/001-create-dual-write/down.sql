drop function cortex_migration.drain_change_log(text, text, integer);
drop function cortex_migration.dual_write();
