-- Backfill support: quarantine, per-table checkpoints, and the generator of per-table sync
-- functions. A transform is a view cortex_migration.tx_<schema>_<table> (defined once, in the
-- next steps) with meta columns _legacy_key, _old_id, _problem (and optional _entity_name,
-- _tags, _links) and otherwise exactly the target's columns. sync_<schema>_<table>(old_ids)
-- makes the target agree with the view for those legacy keys: upsert good rows, quarantine bad
-- ones, delete target rows whose legacy row is gone. Backfill, dual-write, catch-up and
-- validation all go through these two objects.

create table cortex_migration.quarantine (
  old_schema text not null,
  old_table  text not null,
  old_id     text not null,
  reason     text not null check (reason <> ''),
  source     text not null default 'backfill',
  first_seen timestamptz not null default clock_timestamp(),
  last_seen  timestamptz not null default clock_timestamp(),
  primary key (old_schema, old_table, old_id)
);

create table cortex_migration.backfill_checkpoints (
  old_schema       text not null,
  old_table        text not null,
  last_key         text[],
  rows_done        bigint not null default 0,
  rows_total       bigint,
  batches          integer not null default 0,
  started_at       timestamptz not null default clock_timestamp(),
  updated_at       timestamptz not null default clock_timestamp(),
  finished_at      timestamptz,
  primary key (old_schema, old_table)
);

-- Entity type registered in cortex_foundation.entities for each id prefix.
create function cortex_migration.entity_type(prefix text) returns text
language sql immutable as $$
  select case prefix when 'cu' then 'user' when 'cs' then 'space' when 'cp' then 'person' when 'cc' then 'company'
                     when 'cg' then 'group' when 'co' then 'object' when 'cj' then 'project' when 'ca' then 'account' end
$$;

-- Deterministic uuid for derived rows (tags, tag links, relationship links): reruns converge.
create function cortex_migration.derived_id(variadic parts text[]) returns uuid
language sql immutable parallel safe as $$
  select md5(array_to_string(parts, '|'))::uuid
$$;

-- Is this jsonb an array of non-empty strings of at most 100 characters (a valid tag list)?
-- One expression, no subquery, so the planner inlines it into the transform views.
create function cortex_migration.valid_tags(tags jsonb) returns boolean
language sql immutable parallel safe as $$
  select tags is null or (jsonb_typeof(tags) = 'array'
    and not jsonb_path_exists(tags, '$[*] ? (@.type() != "string" || @ like_regex "^\\s*$" || @ like_regex "^.{101}")'))
$$;

create function cortex_migration.sync_function_name(m cortex_migration.mapped_tables) returns text
language sql immutable as $$ select 'sync_' || m.old_schema || '_' || m.old_table $$;

create function cortex_migration.transform_view_name(m cortex_migration.mapped_tables) returns text
language sql immutable as $$ select 'tx_' || m.old_schema || '_' || m.old_table $$;

-- What both sync generators need to know about a transform view: the type of its legacy key, the
-- lists its target columns appear in (names, r.names, name = excluded.name, t.names,
-- excluded.names), which optional meta columns it has, and the content type of its rows.
create function cortex_migration.transform_shape(m cortex_migration.mapped_tables,
  out key_type text, out cols text, out vals text, out sets text, out olds text, out news text,
  out has_tags boolean, out has_links boolean, out has_created_by boolean, out content_type text)
language sql stable as $$
  with a as (
    select a.attname, a.attnum, format_type(a.atttypid, a.atttypmod) as typ from pg_attribute a
     where a.attrelid = format('cortex_migration.%I', cortex_migration.transform_view_name(m))::regclass
       and a.attnum > 0 and not a.attisdropped)
  select (select typ from a where attname = '_legacy_key'),
         string_agg(format('%I', attname), ', ' order by attnum) filter (where left(attname, 1) <> '_'),
         string_agg(format('r.%I', attname), ', ' order by attnum) filter (where left(attname, 1) <> '_'),
         string_agg(format('%I = excluded.%I', attname, attname), ', ' order by attnum) filter (where left(attname, 1) <> '_'),
         string_agg(format('t.%I', attname), ', ' order by attnum) filter (where left(attname, 1) <> '_'),
         string_agg(format('excluded.%I', attname), ', ' order by attnum) filter (where left(attname, 1) <> '_'),
         bool_or(attname = '_tags'), bool_or(attname = '_links'), bool_or(attname = 'created_by'),
         case m.old_table when 'tasks' then 'task' when 'notes' then 'note' when 'events' then 'event' else m.old_table end
  from a
$$;

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

  -- Rows quarantined while waiting for one of these keys to exist are retried (see 006). The
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

-- Sync a set of legacy keys of one table; a failing key is quarantined with the error instead of
-- failing the whole set (used by backfill fallbacks and by dual-write, which must never break
-- the application's write).
create function cortex_migration.sync_safely(p_schema text, p_table text, old_ids text[]) returns integer
language plpgsql as $$
declare
  f text := 'sync_' || p_schema || '_' || p_table
            || case when current_setting('cortex.sync_source', true) = 'backfill' then '_fill' else '' end;
  n integer := 0;
  k text;
  plan_mode text;
  dual boolean := current_setting('cortex.sync_source', true) = 'dual-write';
begin
  begin
    execute format('select cortex_migration.%I($1)', f) into n using old_ids;
    return n;
  exception when others then
    -- A lock timeout or deadlock is not the row's fault: let the batch retry (dual-write goes on
    -- and quarantines instead, because the application's write must not fail).
    if sqlstate in ('55P03', '40P01') and not dual then raise; end if;
  end;
  -- One key per call: a cached generic plan serves them all (a custom plan per key cost ~2 ms of
  -- planning each, when a bulk delete left thousands of rows without their parent).
  plan_mode := current_setting('plan_cache_mode');
  perform set_config('plan_cache_mode', 'force_generic_plan', true);
  foreach k in array old_ids loop
    begin
      execute format('select cortex_migration.%I($1)', f) into n using array[k];
    exception when others then
      if sqlstate in ('55P03', '40P01') and not dual then raise; end if;
      insert into cortex_migration.quarantine (old_schema, old_table, old_id, reason, source)
      values (p_schema, p_table, k, 'cannot be written to the target: ' || sqlerrm,
              coalesce(current_setting('cortex.sync_source', true), 'backfill'))
      on conflict (old_schema, old_table, old_id) do update set reason = excluded.reason, last_seen = clock_timestamp();
    end;
  end loop;
  perform set_config('plan_cache_mode', plan_mode, true);
  return n;
end $$;

-- The largest key of a legacy table (null when it is empty), taken when a backfill run starts.
-- Rows inserted later are in the change log, which phase 4 replays; stopping here keeps the
-- backfill from chasing an application that keeps inserting, and from syncing those rows twice.
create function cortex_migration.high_water_key(m cortex_migration.mapped_tables) returns text[]
language plpgsql stable as $$
declare
  cols text := (select string_agg(format('%I', c), ' desc, ') || ' desc' from unnest(m.key_columns) c);
  texts text := (select string_agg(format('%I::text', c), ', ' order by o) from unnest(m.key_columns) with ordinality k(c, o));
  hw text[];
begin
  execute format('select array[%s] from %I.%I order by %s limit 1', texts, m.old_schema, m.old_table, cols) into hw;
  return hw;
end $$;

-- The next keyset batch of a legacy table after `last_key` (null: from the start) and up to
-- `stop_key` (null: nothing), in key order: the keys as old_ids, and the last key to store as
-- the checkpoint.
create function cortex_migration.next_batch(m cortex_migration.mapped_tables, last_key text[], stop_key text[],
                                            batch_size integer, out old_ids text[], out new_last_key text[])
language plpgsql stable as $$
declare
  cols text := (select string_agg(format('%I', c), ', ' order by o) from unnest(m.key_columns) with ordinality k(c, o));
  casts text := (select string_agg(format('%%1$s[%s]::%s', o, format_type(a.atttypid, a.atttypmod)), ', ' order by o)
                 from unnest(m.key_columns) with ordinality k(c, o)
                 join pg_attribute a on a.attrelid = format('%I.%I', m.old_schema, m.old_table)::regclass and a.attname = k.c);
  texts text := (select string_agg(format('%I::text', c), ', ' order by o) from unnest(m.key_columns) with ordinality k(c, o));
begin
  execute format(
    'select array_agg(k order by rn), (select array_agg(x) from unnest((array_agg(lk order by rn desc))[1:1]) x)
       from (select %s as k, array[%s] as lk, row_number() over (order by %s) as rn
               from (select * from %I.%I s where ($1 is null or (%s) > (%s)) and (%s) <= (%s) order by %s limit $3) s) b',
    cortex_migration.key_expression(m.key_columns, 's'), texts, cols, m.old_schema, m.old_table,
    cols, format(casts, '$1'), cols, format(casts, '$2'), cols)
    into old_ids, new_last_key using last_key, stop_key, batch_size;
end $$;

-- Change capture from the start of the backfill: every write to a mapped legacy table is logged
-- (keys only) until dual-write takes over that table, so phase 4 can replay what the backfill
-- could not see. mode 'log' → append to change_log; 'sync' → dual-write is live, nothing to log.
create table cortex_migration.capture (
  old_schema text not null,
  old_table  text not null,
  mode       text not null default 'log' check (mode in ('log', 'sync')),
  changed_at timestamptz not null default clock_timestamp(),
  primary key (old_schema, old_table)
);

create table cortex_migration.change_log (
  id         bigserial primary key,
  old_schema text not null,
  old_table  text not null,
  old_ids    text[] not null,
  logged_at  timestamptz not null default clock_timestamp()
);
create index change_log_table_idx on cortex_migration.change_log (old_schema, old_table, id);

-- Generate log_<schema>_<table>(), the change-log trigger function of one mapped table: it
-- appends the legacy keys the statement touched (new and old rows of an UPDATE). Static SQL per
-- table, because transition tables are visible only to the trigger function's own statements and
-- a generic function would have to build, parse and plan its query on every write (measured:
-- 0.38 ms added to a two-write OLTP transaction, against 0.13 ms for the generated function).
-- PL/pgSQL that sets `ids` to the legacy keys the firing statement touched (new and old rows of
-- an UPDATE), shared by the generated trigger functions: the change log's here, dual-write's in
-- phase 4. A key appears once per transition table (it is the primary key), so only an UPDATE,
-- which may change a key, needs the union.
create function cortex_migration.changed_keys_block(m cortex_migration.mapped_tables) returns text
language sql stable as $$
  select format($b$
  if tg_op = 'INSERT' then
    ids := array(select %1$s from new_rows s);
  elsif tg_op = 'DELETE' then
    ids := array(select %1$s from old_rows s);
  else
    ids := array(select %1$s from new_rows s union select %1$s from old_rows s);
  end if;$b$, cortex_migration.key_expression(m.key_columns, 's'))
$$;

create function cortex_migration.build_change_log(m cortex_migration.mapped_tables) returns void
language plpgsql as $build$
begin
  execute format($f$create or replace function cortex_migration.%I() returns trigger language plpgsql as %L$f$,
    'log_' || m.old_schema || '_' || m.old_table,
    format($body$
declare
  ids text[];
begin%1$s
  -- Nothing to log once dual-write has taken the table over.
  if cardinality(ids) > 0 and not exists (select 1 from cortex_migration.capture c
                                          where c.old_schema = %2$L and c.old_table = %3$L and c.mode = 'sync') then
    insert into cortex_migration.change_log (old_schema, old_table, old_ids) values (%2$L, %3$L, ids);
  end if;
  return null;
end$body$, cortex_migration.changed_keys_block(m), m.old_schema, m.old_table));
end $build$;

select cortex_migration.build_change_log(m) from cortex_migration.mapped_tables m order by position;
