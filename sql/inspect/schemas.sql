-- Schemas and installed extensions ($1 text[] limits schemas; extensions are database-wide).
select 'schema' as kind, nspname as name, null as version, null as schema from pg_namespace where nspname = any($1::text[])
union all
select 'extension', e.extname, e.extversion, n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
order by 1, 2
