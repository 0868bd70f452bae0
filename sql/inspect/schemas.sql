-- Schemas with their privileges (the ACL or the default one, without the owner's entry), and
-- installed extensions ($1 text[] limits schemas; extensions are database-wide); schemas' owner and comment.
select 'schema' as kind, s.nspname as name, null as version, null as schema,
       (select json_agg(json_build_array(r.rolname, g.privilege_type, g.is_grantable))
        from aclexplode(coalesce(s.nspacl, acldefault('n', s.nspowner))) g left join pg_roles r on r.oid = g.grantee
        where g.grantee <> s.nspowner) as privileges,
       pg_get_userbyid(s.nspowner) as owner, obj_description(s.oid, 'pg_namespace') as comment
from pg_namespace s where s.nspname = any($1::text[])
union all
select 'extension', e.extname, e.extversion, n.nspname, null, null, null from pg_extension e join pg_namespace n on n.oid = e.extnamespace
order by 1, 2
