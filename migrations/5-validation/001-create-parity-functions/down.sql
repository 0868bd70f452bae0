drop function cortex_migration.parity_rows(cortex_migration.mapped_tables, integer, integer[], integer);
drop function cortex_migration.parity_buckets(cortex_migration.mapped_tables, integer);
