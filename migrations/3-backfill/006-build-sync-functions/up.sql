-- One sync function per mapped table, generated from its transform view (see 001).
select cortex_migration.build_sync(m) from cortex_migration.mapped_tables m order by position;
