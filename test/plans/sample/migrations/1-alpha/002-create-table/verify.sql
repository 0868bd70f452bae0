select 'table-exists' as id, to_regclass('sample.items') is not null as ok
union all
select 'name-not-null', coalesce((select attnotnull from pg_attribute
  where attrelid = to_regclass('sample.items') and attname = 'name'), false)
