-- Indexes with their full definition, including those backing constraints, and comments ($1 text[]).
select n.nspname as schema, r.relname as relation, ic.relname as name, pg_get_indexdef(i.indexrelid) as definition,
       i.indisunique as unique, i.indisprimary as primary, i.indisvalid as valid,
       exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = i.indrelid) as constraint_backed,
       obj_description(i.indexrelid, 'pg_class') as comment
from pg_index i
join pg_class ic on ic.oid = i.indexrelid
join pg_class r on r.oid = i.indrelid
join pg_namespace n on n.oid = r.relnamespace
where n.nspname = any($1::text[])
order by 1, 3
