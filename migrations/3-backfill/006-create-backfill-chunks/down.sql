drop function cortex_migration.claim_chunk(uuid);
drop function cortex_migration.chunk_bounds(cortex_migration.mapped_tables, text[], text[], integer);
drop table cortex_migration.backfill_workers;
drop table cortex_migration.backfill_chunks;
