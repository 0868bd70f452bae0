-- Table constraints of every kind (p, u, f, c, x, t) in the given schemas ($1 text[]), with comments.
select n.nspname as schema, r.relname as relation, k.conname as name, k.contype::text as type,
       pg_get_constraintdef(k.oid, true) as definition, k.condeferrable as deferrable, k.convalidated as validated,
       obj_description(k.oid, 'pg_constraint') as comment
from pg_constraint k
join pg_class r on r.oid = k.conrelid
join pg_namespace n on n.oid = r.relnamespace
where n.nspname = any($1::text[])
order by 1, 2, 3
