-- The generator of the per-table sync functions (run in 007, once the transforms exist).

-- Generate sync_<schema>_<table>(old_ids text[]) from the transform view's columns: one
-- statement whose CTEs read the view once (materialized) and write quarantine, registry, target,
-- deletions, tags and links. FK checks run at the end of the statement, after every CTE.
create function cortex_migration.build_sync(m cortex_migration.mapped_tables) returns void
language plpgsql as $build$
declare
  v text := cortex_migration.transform_view_name(m);
  f text := cortex_migration.sync_function_name(m);
  sh record := cortex_migration.transform_shape(m);
  key_type text := sh.key_type;
  id_type text;
  has_tags boolean := sh.has_tags;
  has_links boolean := sh.has_links;
  is_entity boolean := m.prefix is not null;
  content_type text := sh.content_type;
  has_deps boolean := exists (select 1 from cortex_migration.target_edges e
                               where e.parent_schema = m.old_schema and e.parent_table = m.old_table);
  stmt text;
  lock_stmt text;
  after text;
  fill boolean;
begin
  select format_type(a.atttypid, a.atttypmod) into strict id_type from pg_attribute a
   where a.attrelid = format('%I.%I', m.new_schema, m.new_table)::regclass and a.attname = 'id';

  -- Two variants: sync_<t> (full: also deletes what no longer follows from the legacy rows) and
  -- sync_<t>_fill (insert/update only) for the backfill's first pass, where nothing can be stale:
  -- an interrupted batch rolled back whole, and later changes are replayed in full by phase 4.
  foreach fill in array array[false, true] loop

  -- Wait for in-flight writers of these legacy rows, then read them in a later statement (a
  -- fresh snapshot): a sync never overwrites a newer dual-write with an older read. The fill
  -- pass runs before dual-write exists, while every legacy write is logged and replayed in full
  -- by phase 4, so a stale read there is corrected later; it skips the lock (and its row writes).
  -- Dual-write skips it too: its keys are the rows its own statement wrote, already locked.
  lock_stmt := case when fill then 'null'
                    else format($l$if current_setting('cortex.sync_source', true) is distinct from 'dual-write' then
    perform 1 from %I.%I where %I = any(keys) for share;
  end if$l$, m.old_schema, m.old_table, m.key_columns[1]) end;

  stmt := format($s$
  with src as materialized (
    select * from cortex_migration.%1$I v where v._legacy_key = any(keys) and v._old_id = any(old_ids)),
  good as materialized (select * from src where _problem is null),
  q_put as (
    insert into cortex_migration.quarantine as q (old_schema, old_table, old_id, reason, source)
    select %2$L, %3$L, _old_id, _problem, coalesce(current_setting('cortex.sync_source', true), 'backfill')
      from src where _problem is not null
    on conflict (old_schema, old_table, old_id) do update set reason = excluded.reason, last_seen = clock_timestamp()),
$s$, v, m.old_schema, m.old_table);

  -- A row whose legacy row is gone or quarantined loses its target and registry rows. Where the
  -- target hangs other mapped rows off it (target_edges), the statement only returns their ids:
  -- the function removes them afterwards with the rows below them, and retries rows below the
  -- keys that left the quarantine (see `after`). Elsewhere a delete in the statement is all.
  if not fill then
    stmt := stmt || format($s$
  q_clear as (
    delete from cortex_migration.quarantine q
     where q.old_schema = %1$L and q.old_table = %2$L and q.old_id = any(old_ids)
       and not exists (select 1 from src where src._problem is not null and src._old_id = q.old_id)%3$s),
$s$, m.old_schema, m.old_table, case when has_deps then E'\n    returning q.old_id' else '' end);
  end if;

  if not fill and has_deps then
    stmt := stmt || format($s$
  gone as (
    select mm.new_id::text as id from cortex_migration.migration_mappings mm
     where mm.old_schema = %1$L and mm.old_table = %2$L
       and mm.old_id in (select k from unnest(old_ids) k except select _old_id from good)
       and (exists (select 1 from %3$I.%4$I t where t.id = mm.new_id::%5$s)%6$s)),
$s$, m.old_schema, m.old_table, m.new_schema, m.new_table, id_type,
     case when is_entity then ' or exists (select 1 from cortex_foundation.entities e where e.id = mm.new_id)' else '' end);
  elsif not fill then
    stmt := stmt || format($s$
  gone as (
    delete from %3$I.%4$I t using cortex_migration.migration_mappings mm
     where mm.old_schema = %1$L and mm.old_table = %2$L
       and mm.old_id in (select k from unnest(old_ids) k except select _old_id from good)
       and t.id = mm.new_id::%5$s),
$s$, m.old_schema, m.old_table, m.new_schema, m.new_table, id_type);
    if is_entity then
      stmt := stmt || format($s$
  gone_registry as (
    delete from cortex_foundation.entities t using cortex_migration.migration_mappings mm
     where mm.old_schema = %1$L and mm.old_table = %2$L
       and mm.old_id in (select k from unnest(old_ids) k except select _old_id from good)
       and t.id = mm.new_id),
$s$, m.old_schema, m.old_table);
    end if;
  end if;

  if is_entity then
    stmt := stmt || format($s$
  registry as (
    insert into cortex_foundation.entities as t (id, entity_type, name, created_at, updated_at, created_by)
    select id, %1$L, left(_entity_name, 255), created_at, updated_at, %2$s from good
    on conflict (id) do update set name = excluded.name, created_at = excluded.created_at,
      updated_at = excluded.updated_at, created_by = excluded.created_by
    where (t.name, t.created_at, t.updated_at, t.created_by) is distinct from
          (excluded.name, excluded.created_at, excluded.updated_at, excluded.created_by)),
$s$, cortex_migration.entity_type(m.prefix), case when sh.has_created_by then 'created_by' else 'null::varchar' end);
  end if;

  if has_tags then
    stmt := stmt || $s$
  wanted_tags as materialized (
    select g.id::text as owner, e as name, md5('tag|global|' || e)::uuid as tag_id
      from good g, jsonb_array_elements_text(g._tags) e where g._tags is not null),
  tag_put as (
    insert into cortex_foundation.tags (id, name, tag_type, scope)
    select distinct tag_id, name, 'category', 'global' from wanted_tags on conflict do nothing),
$s$;
    if is_entity then
      if not fill then
        stmt := stmt || format($s$
  tag_drop as (
    delete from cortex_foundation.entity_tags et using cortex_migration.migration_mappings mm
     where mm.old_schema = %1$L and mm.old_table = %2$L and mm.old_id = any(old_ids) and et.entity_id = mm.new_id
       and not exists (select 1 from wanted_tags w where w.owner = et.entity_id and w.tag_id = et.tag_id)),
$s$, m.old_schema, m.old_table);
      end if;
      -- Links already present are filtered out first (cheaper than a conflicting insert), except
      -- in the fill pass, where there are none yet.
      stmt := stmt || format($s$
  tag_link as (
    insert into cortex_foundation.entity_tags (id, entity_id, tag_id)
    select distinct md5('entity-tag|' || owner || '|' || name)::uuid, owner, tag_id from wanted_tags w%s
    on conflict do nothing),
$s$, case when fill then '' else E'\n     where not exists (select 1 from cortex_foundation.entity_tags x where x.entity_id = w.owner and x.tag_id = w.tag_id)' end);
    else
      if not fill then
        stmt := stmt || format($s$
  tag_drop as (
    delete from cortex_foundation.content_tags ct using cortex_migration.migration_mappings mm
     where mm.old_schema = %1$L and mm.old_table = %2$L and mm.old_id = any(old_ids)
       and ct.content_type = %3$L and ct.content_id = mm.new_id
       and not exists (select 1 from wanted_tags w where w.owner = ct.content_id and w.tag_id = ct.tag_id)),
$s$, m.old_schema, m.old_table, content_type);
      end if;
      stmt := stmt || format($s$
  tag_link as (
    insert into cortex_foundation.content_tags (id, content_type, content_id, tag_id)
    select distinct md5('content-tag|' || %1$L || '|' || owner || '|' || name)::uuid, %1$L, owner, tag_id from wanted_tags w%2$s
    on conflict do nothing),
$s$, content_type, case when fill then '' else format(E'\n     where not exists (select 1 from cortex_foundation.content_tags x where x.content_type = %L and x.content_id = w.owner and x.tag_id = w.tag_id)', content_type) end);
    end if;
  end if;

  if has_links then
    -- _links: [{"type", "from"?, "to"?, "meta"?}] become relationships of this content row,
    -- marked with the legacy table they were derived from.
    stmt := stmt || format($s$
  wanted_links as materialized (
    select md5('link|' || g.id::text || '|' || (l->>'type'))::uuid as id, l->>'from' as from_entity_id,
           l->>'to' as to_entity_id, g.id::text as content_id, l->>'type' as relationship_type,
           coalesce(l->'meta', '{}'::jsonb) || jsonb_build_object('derived_from', %3$L) as metadata, g.created_at
      from good g, jsonb_array_elements(g._links) l),
$s$, m.old_schema, m.old_table, m.old_schema || '.' || m.old_table, content_type);
    if not fill then
      stmt := stmt || format($s$
  link_drop as (
    delete from cortex_foundation.entity_relationships r using cortex_migration.migration_mappings mm
     where mm.old_schema = %1$L and mm.old_table = %2$L and mm.old_id = any(old_ids)
       and r.content_type = %4$L and r.content_id = mm.new_id and r.metadata->>'derived_from' = %3$L
       and not exists (select 1 from wanted_links w where w.id = r.id)),
$s$, m.old_schema, m.old_table, m.old_schema || '.' || m.old_table, content_type);
    end if;
    stmt := stmt || format($s$
  link_put as (
    insert into cortex_foundation.entity_relationships as r (id, from_entity_id, to_entity_id, content_type, content_id, relationship_type, metadata, created_at)
    select id, from_entity_id, to_entity_id, %4$L, content_id, relationship_type, metadata, created_at from wanted_links
    on conflict (id) do update set from_entity_id = excluded.from_entity_id, to_entity_id = excluded.to_entity_id,
      metadata = excluded.metadata, created_at = excluded.created_at
    where (r.from_entity_id, r.to_entity_id, r.metadata, r.created_at) is distinct from
          (excluded.from_entity_id, excluded.to_entity_id, excluded.metadata, excluded.created_at)),
$s$, m.old_schema, m.old_table, m.old_schema || '.' || m.old_table, content_type);
  end if;

  stmt := stmt || format($s$
  upserted as (
    insert into %1$I.%2$I as t (%3$s)
    select %3$s from good
    on conflict (id) do update set %4$s where (%5$s) is distinct from (%6$s)
    returning 1)
  select (select count(*)::integer from upserted)%7$s
$s$, m.new_schema, m.new_table, sh.cols, sh.sets, sh.olds, sh.news,
    case when fill or not has_deps then '' else ',
         (select array_agg(id) from gone),
         (select array_agg(g.id::text) from good g join q_clear c on c.old_id = g._old_id)' end);

  -- Where rows hang off this table's (has_deps), the full variant then removes the gone rows:
  -- the rows below them first (deepest first, so no foreign key blocks a delete), then the rows,
  -- then it syncs the legacy keys of the rows below again (parents first). Rows already in
  -- quarantine below them are retried too: another of their parents may be the one missing now,
  -- and a rebuild's reason names the first key that fails. Last, rows below keys that just left
  -- the quarantine are retried.
  after := case when fill or not has_deps then '' else format($a$, gone_ids, cleared_ids;
  if gone_ids is not null then
    deps := array(select d from cortex_migration.%3$I(gone_ids) d order by d.depth);
    for i in reverse cardinality(deps)..1 loop
      perform cortex_migration.delete_target_rows(deps[i].old_schema, deps[i].old_table, deps[i].new_ids);
    end loop;
    delete from %4$I.%5$I where id = any(gone_ids::%6$s[]);%7$s
    if exists (select 1 from cortex_migration.quarantine q where %8$s) then
      perform cortex_migration.retry_dependents(%1$L, %2$L, gone_ids);
    end if;
    for i in 1..cardinality(deps) loop
      perform cortex_migration.sync_safely(deps[i].old_schema, deps[i].old_table, deps[i].old_ids);
    end loop;
  end if;
  if cleared_ids is not null then
    perform cortex_migration.retry_dependents(%1$L, %2$L, cleared_ids);
  end if$a$, m.old_schema, m.old_table, cortex_migration.below_function_name(m.old_schema, m.old_table),
    m.new_schema, m.new_table, id_type,
    case when is_entity then E'\n    delete from cortex_foundation.entities where id = any(gone_ids::varchar[]);' else '' end,
    (select string_agg(format('(q.old_schema = %L and q.old_table = %L)', e.child_schema, e.child_table), ' or ')
       from (select distinct child_schema, child_table from cortex_migration.target_edges
              where parent_schema = m.old_schema and parent_table = m.old_table) e)) end;

  -- Rows quarantined while waiting for one of these keys to exist are retried (see 007). The
  -- fill pass has none to retry: phase 2 mapped every row it copies.
  if not fill then
    after := after || format($a$;
  if exists (select 1 from cortex_migration.quarantine q where cortex_migration.awaited_table(q.reason) = %L) then
    perform cortex_migration.retry_waiting(%L, %L, old_ids);
  end if$a$, m.old_schema || '.' || m.old_table, m.old_schema, m.old_table);
  end if;

  -- Callers choose the plan mode: backfill batches plan for their keys (force_custom_plan),
  -- dual-write reuses one cached generic plan and saves ~1 ms of planning per one-row write.
  execute format($f$create or replace function cortex_migration.%I(old_ids text[]) returns integer
    language plpgsql as %L$f$, f || case when fill then '_fill' else '' end,
    format(E'declare\n  keys %s[] := array(select split_part(x, '':'', 1)::%s from unnest(old_ids) x);\n  n integer;\n  gone_ids text[];\n  cleared_ids text[];\n  deps cortex_migration.dependent_rows[];\nbegin\n  %s;\n  %s into n%s;\n  return n;\nend',
           key_type, key_type, lock_stmt, stmt, after));
  end loop;
end $build$;
