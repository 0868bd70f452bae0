drop function cortex_migration.next_batch(cortex_migration.mapped_tables, text[], text[], integer);
drop function cortex_migration.high_water_key(cortex_migration.mapped_tables);
drop function cortex_migration.sync_safely(text, text, text[]);
drop function cortex_migration.valid_tags(jsonb);
drop function cortex_migration.derived_id(text[]);
drop table cortex_migration.backfill_checkpoints;
drop table cortex_migration.quarantine;
