select 'sync-functions' as id,
       count(*) filter (where p.oid is not null) = count(*) as ok,
       count(*)::text as expected, count(p.oid)::text as actual,
       string_agg(case when p.oid is null then cortex_migration.sync_function_name(m) end, ', ') as details
from cortex_migration.mapped_tables m
left join pg_proc p on p.proname = cortex_migration.sync_function_name(m)
 and p.pronamespace = 'cortex_migration'::regnamespace
union all
select 'transform-views', count(*) filter (where to_regclass('cortex_migration.' || cortex_migration.transform_view_name(m)) is not null) = count(*),
       count(*)::text, count(*) filter (where to_regclass('cortex_migration.' || cortex_migration.transform_view_name(m)) is not null)::text,
       null
from cortex_migration.mapped_tables m
