select 'sync-functions' as id,
       count(*) filter (where to_regprocedure(format('cortex_migration.%I(text[])', m.sync_function)) is not null
                          and to_regprocedure(format('cortex_migration.%I(text[])', m.sync_fill_function)) is not null) = count(*) as ok,
       count(*)::text as expected,
       count(*) filter (where to_regprocedure(format('cortex_migration.%I(text[])', m.sync_function)) is not null
                          and to_regprocedure(format('cortex_migration.%I(text[])', m.sync_fill_function)) is not null)::text as actual,
       string_agg(case when to_regprocedure(format('cortex_migration.%I(text[])', m.sync_function)) is null then m.sync_function end, ', ') as details
from cortex_migration.mapped_tables m
union all
select 'transform-views', count(*) filter (where to_regclass(format('cortex_migration.%I', m.transform_view)) is not null) = count(*),
       count(*)::text, count(*) filter (where to_regclass(format('cortex_migration.%I', m.transform_view)) is not null)::text,
       null
from cortex_migration.mapped_tables m
