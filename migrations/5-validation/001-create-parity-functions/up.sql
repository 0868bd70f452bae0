-- Phase 5 content parity, read-only: the transformed legacy rows (tx_* views) against the target
-- rows that came from them, but for the columns the forward fills on insert only (the table's
-- spec: insertOnly; the application owns them afterwards) (a quarantined row is accounted for by count parity, not here: the
-- transform may find nothing wrong with it, yet its parent is missing from the target), compared by hash in buckets of target id; a bucket that differs is
-- narrowed to rows and columns. Run inside one snapshot (dual-write keeps both sides consistent
-- in every snapshot, so in-flight writes cannot cause false alarms).

-- Per bucket: md5 of the legacy side and of the target side (rows as text, ordered by id); one
-- pass over each side also yields the counts for count parity.
create function cortex_migration.parity_buckets(m cortex_migration.mapped_tables, buckets integer)
returns table (bucket integer, legacy_rows bigint, target_rows bigint, legacy_hash text, target_hash text)
language plpgsql stable as $$
declare
  v text := m.transform_view;
  cols text;
  tcols text;
begin
  select string_agg(format('v.%I', a.attname), ', ' order by a.attnum), string_agg(format('t.%I', a.attname), ', ' order by a.attnum)
    into cols, tcols
    from pg_attribute a where a.attrelid = format('cortex_migration.%I', v)::regclass and a.attnum > 0
     and not a.attisdropped and left(a.attname, 1) <> '_' and a.attname <> all (m.insert_only);
  return query execute format($q$
    with a as materialized (select v._problem is null and q.old_id is null as good, abs(hashtext(v.id::text)) %% $1 as b, v.id::text as id, row(%1$s)::text as r
                 from cortex_migration.%2$I v
                 left join cortex_migration.quarantine q on q.old_schema = %6$L and q.old_table = %7$L and q.old_id = v._old_id),
         l as (select b, id, r from a where good),
         t as (select abs(hashtext(t.id::text)) %% $1 as b, t.id::text as id, row(%3$s)::text as r
                 from %4$I.%5$I t join cortex_migration.migration_mappings mm
                   on mm.new_id = t.id::text and mm.old_schema = %6$L and mm.old_table = %7$L),
         lb as (select b, count(*) as n, md5(string_agg(r, E'\n' order by id)) as h from l group by b),
         tb as (select b, count(*) as n, md5(string_agg(r, E'\n' order by id)) as h from t group by b)
    select coalesce(lb.b, tb.b)::integer, coalesce(lb.n, 0), coalesce(tb.n, 0), lb.h, tb.h
      from lb full join tb on tb.b = lb.b
    union all
    -- bucket -1 counts the legacy rows the transform marks as problems or that are quarantined
    select -1, count(*), 0, null, null from a where not good$q$,
    cols, v, tcols, m.new_schema, m.new_table, m.old_schema, m.old_table) using buckets;
end $$;

-- Rows of the given buckets that differ, column by column (legacy value → target value).
create function cortex_migration.parity_rows(m cortex_migration.mapped_tables, buckets integer, which integer[], max_rows integer)
returns table (old_id text, new_id text, column_name text, legacy_value text, target_value text)
language plpgsql stable as $$
declare
  v text := m.transform_view;
  cols text[];
begin
  select array_agg(a.attname::text order by a.attnum) into cols
    from pg_attribute a where a.attrelid = format('cortex_migration.%I', v)::regclass and a.attnum > 0
     and not a.attisdropped and left(a.attname, 1) <> '_' and a.attname <> all (m.insert_only);
  return query execute format($q$
    with l as (select v._old_id, v.id::text as id, to_jsonb(v) as j from cortex_migration.%1$I v
                where v._problem is null and abs(hashtext(v.id::text)) %% $1 = any($2)
                  and not exists (select 1 from cortex_migration.quarantine q
                                   where q.old_schema = %4$L and q.old_table = %5$L and q.old_id = v._old_id)),
         t as (select mm.old_id, t.id::text as id, to_jsonb(t) as j from %2$I.%3$I t
                 join cortex_migration.migration_mappings mm on mm.new_id = t.id::text and mm.old_schema = %4$L and mm.old_table = %5$L
                where abs(hashtext(t.id::text)) %% $1 = any($2)),
         d as (select coalesce(l._old_id, t.old_id) as old_id, coalesce(l.id, t.id) as id, c,
                      l.j ->> c as lv, t.j ->> c as tv, l.id is null as only_target, t.id is null as only_legacy
                 from l full join t on t.id = l.id, unnest($3::text[]) c
                where l.id is null or t.id is null or (l.j -> c) is distinct from (t.j -> c))
    select old_id, id, case when only_legacy then '(missing in target)' when only_target then '(not in legacy)' else c end,
           case when only_target then null else lv end, case when only_legacy then null else tv end
      from (select distinct on (old_id, case when only_legacy or only_target then '' else c end) * from d) x
     order by old_id limit $4$q$,
    v, m.new_schema, m.new_table, m.old_schema, m.old_table) using buckets, which, cols, max_rows;
end $$;
