-- Rewrite rules of relations ($1 text[]), without the _RETURN rule that makes a view: event,
-- INSTEAD or ALSO, enabled state, the whole CREATE RULE as deparsed, and comment.
select n.nspname as schema, c.relname as relation, r.rulename as name,
       case r.ev_type when '1' then 'SELECT' when '2' then 'UPDATE' when '3' then 'INSERT' when '4' then 'DELETE' end as event,
       r.is_instead as instead,
       case r.ev_enabled when 'O' then 'origin' when 'D' then 'disabled' when 'R' then 'replica' when 'A' then 'always' end as enabled,
       pg_get_ruledef(r.oid, true) as definition,
       obj_description(r.oid, 'pg_rewrite') as comment
from pg_rewrite r
join pg_class c on c.oid = r.ev_class
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[]) and r.rulename <> '_RETURN'
order by 1, 2, 3
