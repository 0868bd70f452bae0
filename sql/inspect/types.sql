-- Enum and domain types ($1 text[]); enum labels in sort order, domain base type and checks, and
-- privileges (the ACL or the default one, USAGE for PUBLIC, without the owner's entry).
select n.nspname as schema, t.typname as name, t.typtype::text as kind,
       case when t.typtype = 'e' then (select string_agg(e.enumlabel, ',' order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid) end as labels,
       case when t.typtype = 'd' then format_type(t.typbasetype, t.typtypmod) end as base_type,
       case when t.typtype = 'd' then t.typnotnull end as not_null,
       case when t.typtype = 'd' then pg_get_expr(t.typdefaultbin, 0) end as default,
       case when t.typtype = 'd' then (select string_agg(pg_get_constraintdef(k.oid, true), ' ' order by k.conname) from pg_constraint k where k.contypid = t.oid) end as checks,
       (select json_agg(json_build_array(r.rolname, g.privilege_type, g.is_grantable))
        from aclexplode(coalesce(t.typacl, acldefault('T', t.typowner))) g left join pg_roles r on r.oid = g.grantee
        where g.grantee <> t.typowner) as privileges
from pg_type t
join pg_namespace n on n.oid = t.typnamespace
where n.nspname = any($1::text[]) and t.typtype in ('e', 'd')
order by 1, 2
