-- Row-level security policies ($1 text[]): command, permissive or restrictive, roles, USING, WITH CHECK, comment.
select n.nspname as schema, c.relname as relation, p.polname as name,
       case p.polcmd when 'r' then 'SELECT' when 'a' then 'INSERT' when 'w' then 'UPDATE' when 'd' then 'DELETE' else 'ALL' end as command,
       p.polpermissive as permissive,
       (select json_agg(r.rolname) from unnest(p.polroles) u(oid) left join pg_roles r on r.oid = u.oid) as roles,
       pg_get_expr(p.polqual, p.polrelid) as using,
       pg_get_expr(p.polwithcheck, p.polrelid) as with_check,
       obj_description(p.oid, 'pg_policy') as comment
from pg_policy p
join pg_class c on c.oid = p.polrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[])
order by 1, 2, 3
