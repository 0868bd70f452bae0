select 'reverse-sync-functions' as id,
       count(*) filter (where to_regprocedure(format('cortex_migration.%I(text[], boolean)', reverse_sync_function)) is not null) = count(*) as ok,
       count(*)::text as expected,
       count(*) filter (where to_regprocedure(format('cortex_migration.%I(text[], boolean)', reverse_sync_function)) is not null)::text as actual
from cortex_migration.mapped_tables where reverse_sync_function is not null
