-- Enum, domain, composite (stand-alone, not a table's row type) and range types ($1 text[]): enum
-- labels in sort order, domain base type and checks, composite attributes in order (name, type,
-- collation where not the type's), range subtype and its settings; privileges (the ACL or the
-- default one, USAGE for PUBLIC, without the owner's entry), owner and comment.
select n.nspname as schema, t.typname as name, t.typtype::text as kind,
       case when t.typtype = 'e' then (select string_agg(e.enumlabel, ',' order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid) end as labels,
       case when t.typtype = 'd' then format_type(t.typbasetype, t.typtypmod) end as base_type,
       case when t.typtype = 'd' then t.typnotnull end as not_null,
       case when t.typtype = 'd' then pg_get_expr(t.typdefaultbin, 0) end as default,
       case when t.typtype = 'd' then (select string_agg(pg_get_constraintdef(k.oid, true), ' ' order by k.conname) from pg_constraint k where k.contypid = t.oid) end as checks,
       case when t.typtype = 'c' then (
         select json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod),
                                          case when a.attcollation <> at.typcollation then co.collname end) order by a.attnum)
         from pg_attribute a
         join pg_type at on at.oid = a.atttypid
         left join pg_collation co on co.oid = a.attcollation
         where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped) end as attributes,
       format_type(rg.rngsubtype, null) as subtype,
       case when not oc.opcdefault then oc.opcname end as subtype_opclass,
       case when rg.rngcollation <> st.typcollation then rc.collname end as range_collation,
       nullif(rg.rngcanonical, 0)::regproc::text as canonical,
       nullif(rg.rngsubdiff, 0)::regproc::text as subtype_diff,
       format_type(rg.rngmultitypid, null) as multirange,
       (select json_agg(json_build_array(r.rolname, g.privilege_type, g.is_grantable))
        from aclexplode(coalesce(t.typacl, acldefault('T', t.typowner))) g left join pg_roles r on r.oid = g.grantee
        where g.grantee <> t.typowner) as privileges,
       pg_get_userbyid(t.typowner) as owner, obj_description(t.oid, 'pg_type') as comment
from pg_type t
join pg_namespace n on n.oid = t.typnamespace
left join pg_class tc on tc.oid = t.typrelid
left join pg_range rg on rg.rngtypid = t.oid
left join pg_type st on st.oid = rg.rngsubtype
left join pg_opclass oc on oc.oid = rg.rngsubopc
left join pg_collation rc on rc.oid = rg.rngcollation
where n.nspname = any($1::text[])
  and (t.typtype in ('e', 'd', 'r') or (t.typtype = 'c' and tc.relkind = 'c'))
order by 1, 2
