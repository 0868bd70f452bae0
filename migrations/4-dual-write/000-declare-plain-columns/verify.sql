select 'plain-columns' as id,
       count(*) > 0 and to_regprocedure('cortex_migration.plain_update_block(cortex_migration.mapped_tables)') is not null as ok,
       'declarations and the block builder' as expected,
       count(*)::text || ' tables declared' as actual
from cortex_migration.plain_columns
