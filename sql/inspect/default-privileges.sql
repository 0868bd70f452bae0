-- ALTER DEFAULT PRIVILEGES IN SCHEMA entries of the given schemas ($1 text[]): the role whose new
-- objects they apply to, the kind of object, and the privileges they grant (exploded ACL).
-- Database-wide entries (no IN SCHEMA) are not a schema's, so are left out.
select n.nspname as schema, pg_get_userbyid(d.defaclrole) as role,
       case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions'
                            when 'T' then 'types' when 'n' then 'schemas' end as objects,
       (select json_agg(json_build_array(r.rolname, g.privilege_type, g.is_grantable))
        from aclexplode(d.defaclacl) g left join pg_roles r on r.oid = g.grantee) as privileges
from pg_default_acl d
join pg_namespace n on n.oid = d.defaclnamespace
where n.nspname = any($1::text[])
order by 1, 2, 3
