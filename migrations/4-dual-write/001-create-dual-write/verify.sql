select 'dual-write-functions' as id,
       count(*) filter (where to_regprocedure(format('cortex_migration.%I()', dual_write_function)) is not null
                          and to_regprocedure(format('cortex_migration.%I(text, boolean, boolean)', sync_one_function)) is not null) = count(*) as ok,
       count(*)::text as expected,
       count(*) filter (where to_regprocedure(format('cortex_migration.%I()', dual_write_function)) is not null
                          and to_regprocedure(format('cortex_migration.%I(text, boolean, boolean)', sync_one_function)) is not null)::text as actual
from cortex_migration.mapped_tables
