-- User triggers with their definition and enabled state and comment ($1 text[]).
select n.nspname as schema, r.relname as relation, g.tgname as name, pg_get_triggerdef(g.oid, true) as definition,
       case g.tgenabled when 'O' then 'origin' when 'D' then 'disabled' when 'R' then 'replica' when 'A' then 'always' end as enabled,
       obj_description(g.oid, 'pg_trigger') as comment
from pg_trigger g
join pg_class r on r.oid = g.tgrelid
join pg_namespace n on n.oid = r.relnamespace
where n.nspname = any($1::text[]) and not g.tgisinternal
order by 1, 2, 3
