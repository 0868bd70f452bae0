-- Tables, views, materialized views, sequences and foreign tables ($1 text[]): view queries,
-- sequence settings and owner column, row-level security, partitioning and inheritance, and
-- privileges (the ACL, or the default one when none is set, without the owner's own entry);
-- owner, comment, replica identity (and its index) and storage parameters (the TOAST table's as toast.*).
select n.nspname as schema, c.relname as name, c.relkind::text as kind,
       case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid, true) end as query,
       c.relpersistence::text as persistence,
       case when c.relkind = 'S' then (select row_to_json(s)::text from (
         select format_type(q.seqtypid, null) as type, q.seqstart as start, q.seqincrement as increment,
                q.seqmin as min, q.seqmax as max, q.seqcycle as cycle, q.seqcache as cache
         from pg_sequence q where q.seqrelid = c.oid) s) end as sequence,
       (select json_build_array(on_.nspname, oc.relname, a.attname)
        from pg_depend d
        join pg_class oc on oc.oid = d.refobjid
        join pg_namespace on_ on on_.oid = oc.relnamespace
        join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
        where d.objid = c.oid and d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass
          and d.deptype in ('a', 'i') and c.relkind = 'S'
        limit 1) as owned_by,
       c.relrowsecurity as row_security, c.relforcerowsecurity as force_row_security,
       case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partition_key,
       case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end as partition_bound,
       (select json_agg(json_build_array(pn.nspname, pc.relname) order by i.inhseqno)
        from pg_inherits i
        join pg_class pc on pc.oid = i.inhparent
        join pg_namespace pn on pn.oid = pc.relnamespace
        where i.inhrelid = c.oid) as parents,
       (select json_agg(json_build_array(r.rolname, g.privilege_type, g.is_grantable))
        from aclexplode(coalesce(c.relacl, acldefault(case when c.relkind = 'S' then 's' else 'r' end::"char", c.relowner))) g
        left join pg_roles r on r.oid = g.grantee
        where g.grantee <> c.relowner) as privileges,
       pg_get_userbyid(c.relowner) as owner, obj_description(c.oid, 'pg_class') as comment,
       c.relreplident::text as replica_identity,
       (select ri.relname from pg_index i join pg_class ri on ri.oid = i.indexrelid
        where i.indrelid = c.oid and i.indisreplident) as replica_index,
       (select json_agg(o.opt) from (
          select unnest(c.reloptions) as opt
          union all
          select 'toast.' || unnest(tc.reloptions) from pg_class tc where tc.oid = c.reltoastrelid) o) as options
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[]) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
order by 1, 2
