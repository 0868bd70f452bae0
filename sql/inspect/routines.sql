-- Functions and procedures with signature and a hash of their body ($1 text[]).
select n.nspname as schema, p.proname as name, pg_get_function_identity_arguments(p.oid) as arguments,
       p.prokind::text as kind, pg_get_function_result(p.oid) as returns, l.lanname as language,
       p.provolatile::text as volatility, p.prosecdef as security_definer,
       md5(coalesce(p.prosrc, '') || coalesce(p.probin, '')) as body_hash
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_language l on l.oid = p.prolang
where n.nspname = any($1::text[])
  and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
order by 1, 2, 3
