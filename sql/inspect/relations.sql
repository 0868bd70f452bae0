-- Tables, views, materialized views, sequences and foreign tables ($1 text[]).
select n.nspname as schema, c.relname as name, c.relkind::text as kind,
       case when c.relkind in ('v', 'm') then md5(pg_get_viewdef(c.oid, true)) end as definition_hash,
       c.relpersistence::text as persistence,
       case when c.relkind = 'S' then (select row_to_json(s)::text from (
         select format_type(q.seqtypid, null) as type, q.seqstart as start, q.seqincrement as increment,
                q.seqmin as min, q.seqmax as max, q.seqcycle as cycle, q.seqcache as cache
         from pg_sequence q where q.seqrelid = c.oid) s) end as sequence,
       (select string_agg(d.refobjid::regclass::text || '.' || a.attname, ',')
        from pg_depend d join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
        where d.objid = c.oid and d.classid = 'pg_class'::regclass and d.deptype in ('a', 'i') and c.relkind = 'S') as owned_by
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[]) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
order by 1, 2
