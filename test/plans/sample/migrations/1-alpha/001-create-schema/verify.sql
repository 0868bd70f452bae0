select 'schema-exists' as id, exists (select 1 from pg_namespace where nspname = 'sample') as ok,
       'sample' as expected, (select nspname from pg_namespace where nspname = 'sample') as actual
