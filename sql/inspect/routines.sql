-- Functions and procedures with signature, body text (prosrc, or a SQL-standard body as deparsed)
-- and privileges: the ACL or the default one (EXECUTE for PUBLIC), without the owner's entry ($1 text[]);
-- owner, comment and settings: STRICT, LEAKPROOF, PARALLEL, COST, ROWS and SET (proconfig).
select n.nspname as schema, p.proname as name, pg_get_function_identity_arguments(p.oid) as arguments,
       p.prokind::text as kind, pg_get_function_result(p.oid) as returns, l.lanname as language,
       p.provolatile::text as volatility, p.prosecdef as security_definer,
       case when p.prosqlbody is null then p.prosrc end as body,
       case when p.prosqlbody is not null then pg_get_function_sqlbody(p.oid) end as sql_body,
       (select json_agg(json_build_array(r.rolname, g.privilege_type, g.is_grantable))
        from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) g left join pg_roles r on r.oid = g.grantee
        where g.grantee <> p.proowner) as privileges,
       pg_get_userbyid(p.proowner) as owner, obj_description(p.oid, 'pg_proc') as comment,
       p.proisstrict as strict, p.proleakproof as leakproof, p.proparallel::text as parallel,
       p.procost::float8 as cost, p.prorows::float8 as rows, to_json(p.proconfig) as config
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_language l on l.oid = p.prolang
where n.nspname = any($1::text[])
  and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
order by 1, 2, 3
