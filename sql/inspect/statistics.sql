-- Extended statistics objects in the given schemas ($1 text[]): their table, CREATE STATISTICS as
-- deparsed, statistics target where set (-1, PostgreSQL 15's default, and null, 17's, are none),
-- owner and comment.
select n.nspname as schema, s.stxname as name, tn.nspname as table_schema, c.relname as relation,
       pg_get_statisticsobjdef(s.oid) as definition,
       nullif(s.stxstattarget::int, -1) as target,
       pg_get_userbyid(s.stxowner) as owner,
       obj_description(s.oid, 'pg_statistic_ext') as comment
from pg_statistic_ext s
join pg_namespace n on n.oid = s.stxnamespace
join pg_class c on c.oid = s.stxrelid
join pg_namespace tn on tn.oid = c.relnamespace
where n.nspname = any($1::text[])
order by 1, 2
