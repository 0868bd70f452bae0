-- Columns of tables, views and materialized views in the given schemas ($1 text[]), with their
-- column privileges (none by default), comment, and storage, compression, options and statistics
-- target where set (a storage equal to the type's is none; a target of -1, PostgreSQL 15's default, is none).
select n.nspname as schema, c.relname as relation, c.relkind::text as kind, a.attnum as position,
       a.attname as name, format_type(a.atttypid, a.atttypmod) as type, not a.attnotnull as nullable,
       pg_get_expr(d.adbin, d.adrelid) as default,
       case when a.attcollation <> t.typcollation then co.collname end as collation,
       case a.attidentity when 'a' then 'always' when 'd' then 'by default' end as identity,
       case a.attgenerated when 's' then 'stored' end as generated,
       (select json_agg(json_build_array(r.rolname, g.privilege_type, g.is_grantable))
        from aclexplode(a.attacl) g left join pg_roles r on r.oid = g.grantee
        where g.grantee <> c.relowner) as privileges,
       col_description(c.oid, a.attnum) as comment,
       case when a.attstorage <> t.typstorage then a.attstorage::text end as storage,
       nullif(a.attcompression::text, '') as compression,
       nullif(a.attstattarget::int, -1) as statistics,
       to_json(a.attoptions) as options
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
join pg_type t on t.oid = a.atttypid
left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
left join pg_collation co on co.oid = a.attcollation
where n.nspname = any($1::text[]) and c.relkind in ('r', 'p', 'v', 'm', 'f')
order by 1, 2, 4
