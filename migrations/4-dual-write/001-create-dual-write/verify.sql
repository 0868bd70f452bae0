select 'dual-write-functions' as id,
       count(*) filter (where to_regprocedure(format('cortex_migration.%I()', 'dw_' || old_schema || '_' || old_table)) is not null) = count(*) as ok,
       count(*)::text as expected,
       count(*) filter (where to_regprocedure(format('cortex_migration.%I()', 'dw_' || old_schema || '_' || old_table)) is not null)::text as actual
from cortex_migration.mapped_tables
