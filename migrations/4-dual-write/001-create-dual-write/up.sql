-- Dual-write (seed 000 "Database Triggers for Data Sync"): one statement-level trigger per event
-- applies the backfill's transform to the keys the statement touched. An UPDATE that changed only
-- plain columns (copied as they are) takes a plain path: one UPDATE of the target. Any other
-- one-row statement (what an application mostly sends) takes a row path of single-row statements;
-- anything else, and any row the row path cannot write, takes the set-based sync function of the
-- backfill. A key that cannot be migrated is quarantined; the application's write always commits.

-- Generate sync_<schema>_<table>_one(old_id, check_tags, insert): what
-- sync_<schema>_<table>(array[old_id]) does for a legacy row that exists and transforms cleanly,
-- as a few statements on one record, so a one-row write runs cached index lookups and updates
-- instead of a 15-part CTE. It returns -1, having written nothing, for a row it does not handle
-- (missing, unmapped, quarantinable or quarantined, or a new row that quarantined rows wait for):
-- the caller then takes the set path, which owns mapping, deletion and quarantine, and retries
-- the rows that depend on one that recovers or arrives.
-- Every statement costs executor start-up, so the read also answers "was it quarantined?".
-- Registry and target rows are updated in place and inserted only when missing (insert first
-- when the caller says the legacy row is new): ON CONFLICT DO UPDATE locks the row first, one more
-- WAL record per row (a one-row contact rename: +6 % throughput). Tag links are compared only when
-- check_tags is true (the caller passes false when the legacy tags did not change), or for a new
-- target row: that comparison was a fifth of a contact rename's cost. A target row inserted just
-- now has no tag links or derived relationships yet (every path that removes a target row removes
-- them too), so it skips reading them. Statement order stands in for the CTE's end-of-statement
-- FK checks: registry first.
create function cortex_migration.build_sync_one(m cortex_migration.mapped_tables) returns void
language plpgsql as $build$
declare
  sh record := cortex_migration.transform_shape(m);
  vid regclass := format('cortex_migration.%I', cortex_migration.transform_view_name(m))::regclass;
  is_entity boolean := m.prefix is not null;
  content_type text := sh.content_type;
  derived text := m.old_schema || '.' || m.old_table;
  created_by text := case when sh.has_created_by then 'r.created_by' else 'null::varchar' end;
  target_cols record;
  tag_links text;
  body text := '';
begin
  -- The target's columns other than id: set from r, and compared (t.col against r.col).
  select string_agg(format('%I = r.%I', attname, attname), ', ' order by attnum) as sets,
         string_agg(format('t.%I', attname), ', ' order by attnum) as olds,
         string_agg(format('r.%I', attname), ', ' order by attnum) as news
    into target_cols
    from pg_attribute where attrelid = vid and attnum > 0 and not attisdropped and left(attname, 1) <> '_' and attname <> 'id';

  body := format($s$
  select v.*, exists (select 1 from cortex_migration.quarantine q
                       where q.old_schema = %1$L and q.old_table = %2$L and q.old_id = v._old_id) as _quarantined,
         p_insert and exists (select 1 from cortex_migration.quarantine q
                               where cortex_migration.awaited_table(q.reason) = %5$L
                                 and cortex_migration.awaited_key(q.reason) = p_old_id) as _awaited
    into r
    from %3$s v
   where v._legacy_key = split_part(p_old_id, ':', 1)::%4$s and v._old_id = p_old_id;
  if not found or r._problem is not null or r._quarantined or r._awaited then
    return -1;
  end if;
$s$, m.old_schema, m.old_table, vid, sh.key_type, m.old_schema || '.' || m.old_table);

  if is_entity then
    body := body || format($s$
  if p_insert then
    insert into cortex_foundation.entities (id, entity_type, name, created_at, updated_at, created_by)
    values (r.id, %1$L, left(r._entity_name, 255), r.created_at, r.updated_at, %2$s)
    on conflict (id) do nothing;
  end if;
  if not (p_insert and found) then
    update cortex_foundation.entities t set name = left(r._entity_name, 255), created_at = r.created_at,
      updated_at = r.updated_at, created_by = %2$s
     where t.id = r.id and (t.name, t.created_at, t.updated_at, t.created_by) is distinct from
           (left(r._entity_name, 255), r.created_at, r.updated_at, %2$s);
    if not found and not p_insert then
      insert into cortex_foundation.entities (id, entity_type, name, created_at, updated_at, created_by)
      values (r.id, %1$L, left(r._entity_name, 255), r.created_at, r.updated_at, %2$s)
      on conflict (id) do nothing;
    end if;
  end if;
$s$, cortex_migration.entity_type(m.prefix), created_by);
  end if;

  body := body || format($s$
  n := 0;
  if p_insert then
    insert into %1$I.%2$I (%3$s) values (%7$s) on conflict (id) do nothing;
    get diagnostics n = row_count;
    fresh := n > 0;
  end if;
  if n = 0 then
    update %1$I.%2$I t set %4$s where t.id = r.id and (%5$s) is distinct from (%6$s);
    get diagnostics n = row_count;
    if n = 0 and not p_insert then
      insert into %1$I.%2$I (%3$s) values (%7$s) on conflict (id) do nothing;
      get diagnostics n = row_count;
      fresh := n > 0;
      p_check_tags := p_check_tags or fresh;
    end if;
  end if;
$s$, m.new_schema, m.new_table, sh.cols, target_cols.sets, target_cols.olds, target_cols.news, sh.vals);

  if sh.has_tags then
    -- The tag links of this owner.
    tag_links := case when is_entity then 'cortex_foundation.entity_tags x where x.entity_id = r.id'
                      else format('cortex_foundation.content_tags x where x.content_type = %L and x.content_id = r.id::text', content_type) end;
    body := body || format($s$
  if p_check_tags then
    wanted := array(select distinct md5('tag|global|' || e)::uuid from jsonb_array_elements_text(coalesce(r._tags, '[]')) e order by 1);
    -- Equal links imply the tags exist (foreign key). A target row inserted just now has none.
    if fresh then
      relink := cardinality(wanted) > 0;
    else
      relink := wanted is distinct from array(select x.tag_id from %1$s order by 1);
    end if;
    if relink then
      insert into cortex_foundation.tags (id, name, tag_type, scope)
      select distinct md5('tag|global|' || e)::uuid, e, 'category', 'global' from jsonb_array_elements_text(coalesce(r._tags, '[]')) e
      on conflict do nothing;
      delete from %1$s and x.tag_id <> all (wanted);
$s$, tag_links);
    if is_entity then
      body := body || $s$
      insert into cortex_foundation.entity_tags (id, entity_id, tag_id)
      select distinct md5('entity-tag|' || r.id::text || '|' || e)::uuid, r.id::text, md5('tag|global|' || e)::uuid
        from jsonb_array_elements_text(coalesce(r._tags, '[]')) e
      on conflict do nothing;
    end if;
  end if;
$s$;
    else
      body := body || format($s$
      insert into cortex_foundation.content_tags (id, content_type, content_id, tag_id)
      select distinct md5('content-tag|' || %1$L || '|' || r.id::text || '|' || e)::uuid, %1$L, r.id::text, md5('tag|global|' || e)::uuid
        from jsonb_array_elements_text(coalesce(r._tags, '[]')) e
      on conflict do nothing;
    end if;
  end if;
$s$, content_type);
    end if;
  end if;

  if sh.has_links then
    body := body || format($s$
  if not fresh then
    delete from cortex_foundation.entity_relationships x
     where x.content_type = %1$L and x.content_id = r.id::text and x.metadata->>'derived_from' = %2$L
       and x.id <> all (array(select md5('link|' || r.id::text || '|' || (l->>'type'))::uuid from jsonb_array_elements(coalesce(r._links, '[]')) l));
  end if;
  if jsonb_array_length(coalesce(r._links, '[]')) > 0 then
    insert into cortex_foundation.entity_relationships as x (id, from_entity_id, to_entity_id, content_type, content_id, relationship_type, metadata, created_at)
    select md5('link|' || r.id::text || '|' || (l->>'type'))::uuid, l->>'from', l->>'to', %1$L, r.id::text, l->>'type',
           coalesce(l->'meta', '{}'::jsonb) || jsonb_build_object('derived_from', %2$L), r.created_at
      from jsonb_array_elements(r._links) l
    on conflict (id) do update set from_entity_id = excluded.from_entity_id, to_entity_id = excluded.to_entity_id,
      metadata = excluded.metadata, created_at = excluded.created_at
    where (x.from_entity_id, x.to_entity_id, x.metadata, x.created_at) is distinct from
          (excluded.from_entity_id, excluded.to_entity_id, excluded.metadata, excluded.created_at);
  end if;
$s$, content_type, derived);
  end if;

  -- A generic plan from the first call: each statement is a lookup by key, so the custom plans
  -- plpgsql would otherwise build for a session's first five calls only add planning (measured:
  -- a new connection's 2nd–6th one-row writes 3.5 ms → 1.3 ms, steady state unchanged).
  execute format($f$create or replace function cortex_migration.%I(p_old_id text, p_check_tags boolean default true, p_insert boolean default false)
    returns integer language plpgsql
    set plan_cache_mode = force_generic_plan as %L$f$,
    cortex_migration.sync_function_name(m) || '_one',
    format(E'declare\n  r record;\n  n integer;\n  fresh boolean := false;\n  relink boolean;\n  wanted uuid[];\nbegin%s  return n;\nend', body));
end $build$;

select cortex_migration.build_sync_one(m) from cortex_migration.mapped_tables m order by position;

-- Generate dw_<schema>_<table>(), the trigger function of one mapped table, with static SQL only:
-- plpgsql prepares each statement once per session, so a one-row write pays for no planning.
-- It runs without JIT: the transition tables have no statistics, so a bulk statement's queries are
-- estimated at millions of rows and got compiled (PostgreSQL 15: 240 ms of a 100k-row UPDATE's
-- 1.3 s in the plain path's analysis; 95 ms of a 10k-row UPDATE's 640 ms in the sync). The
-- function's SET puts the application's value back on return; one-row writes showed no difference
-- (1,323–1,415 tps before, 1,362–1,395 after, 4 clients).
create function cortex_migration.build_dual_write(m cortex_migration.mapped_tables) returns void
language plpgsql as $build$
declare
  mapping text := cortex_migration.mapping_sql(m, 'new_rows');
begin
  execute format($f$create or replace function cortex_migration.%I() returns trigger language plpgsql set jit = off as %L$f$,
    'dw_' || m.old_schema || '_' || m.old_table,
    format($body$
declare
  ids text[];
  plan_mode text;
  n_rows integer;
  nrow record;
  orow record;
  n_plain integer;
  n_copied integer;
  first_id text;
  check_tags boolean := true;
  row_tried boolean := false;
begin%7$s
  if ids is null then%2$s
  end if;
  if cardinality(ids) = 1 and not row_tried then
    -- The row path: one subtransaction, no settings touched. A row it does not handle (-1), or any
    -- error, leaves nothing behind and the set path below starts over, so the outcome is the
    -- same as if the row path did not exist. New rows were mapped by the mapping trigger, which
    -- fires first (name order); an unmapped row is not handled here.
    begin
      if cortex_migration.%6$I(ids[1], check_tags, tg_op = 'INSERT') >= 0 then
        return null;
      end if;
    exception when others then
      null;
    end;
  end if;
  plan_mode := current_setting('plan_cache_mode');
  begin
    if tg_op = 'INSERT' then
      -- Map new rows here too, so sync never depends on the order triggers fire in.
      %1$s;
    end if;
    perform set_config('cortex.sync_source', 'dual-write', true);
    -- Small statements reuse a cached generic plan (no planning per write); bulk statements get a
    -- plan made for their size. The application's own setting is restored afterwards.
    perform set_config('plan_cache_mode',
      case when cardinality(ids) <= 64 then 'force_generic_plan' else 'force_custom_plan' end, true);
    begin
      perform cortex_migration.%3$I(ids);
    exception when others then
      -- One key at a time, quarantining the ones that cannot be written.
      perform cortex_migration.sync_safely(%4$L, %5$L, ids);
    end;
    perform set_config('plan_cache_mode', plan_mode, true);
  exception when others then
    -- Last line of defence: record the keys and let the application's write commit.
    begin
      insert into cortex_migration.quarantine (old_schema, old_table, old_id, reason, source)
      select %4$L, %5$L, k, 'dual-write failed: ' || sqlerrm, 'dual-write' from unnest(ids) k
      on conflict (old_schema, old_table, old_id) do update set reason = excluded.reason, last_seen = clock_timestamp();
    exception when others then
      raise warning 'cortex dual-write on %4$s.%5$s failed: %%', sqlerrm;
    end;
    perform set_config('plan_cache_mode', plan_mode, true);
  end;
  return null;
end$body$, mapping, cortex_migration.changed_keys_block(m), cortex_migration.sync_function_name(m), m.old_schema, m.old_table,
           cortex_migration.sync_function_name(m) || '_one', cortex_migration.plain_update_block(m)));
end $build$;

select cortex_migration.build_dual_write(m) from cortex_migration.mapped_tables m order by position;

-- Replay the oldest chunk of one table's logged changes and remove it from the log. A chunk is the
-- oldest entries holding at most max_keys logged keys in all; an entry larger than that (a bulk
-- statement logged during the backfill) is replayed in slices of max_keys keys, one per call:
-- p_entry and p_skip say which entry and how many of its keys earlier calls replayed, and it is
-- removed with its last slice. Returns the entries removed, the distinct keys replayed, the
-- logged keys consumed, and where the next call resumes (entry and skip, null when none); entries
-- is null when the table's log is empty. One chunk per call, so the caller commits between
-- chunks: the replay share-locks the legacy rows it reads (a writer's newer version must not be
-- overwritten), and a writer waits on those locks for one chunk of at most max_keys rows. Each
-- chunk is planned for its own keys: after five calls a session's cached generic plan no longer
-- hashes the key arrays, and a 5,000-key slice of crm.tasks then took 3.1 s instead of 0.6 s
-- (20,000 keys: 43 s). JIT is off for the same reason as in the backfill's batches.
create function cortex_migration.drain_change_log(p_schema text, p_table text, max_keys integer default 500,
                                                  p_entry bigint default null, p_skip integer default 0,
                                                  out entries integer, out keys integer, out consumed integer,
                                                  out next_entry bigint, out next_skip integer)
language plpgsql set lock_timeout = '500ms' set plan_cache_mode = force_custom_plan set jit = off as $$
declare
  ids text[];
  first_id bigint;
  first_ids text[];
  last_id bigint;
  skip integer;
begin
  select c.id, c.old_ids into first_id, first_ids from cortex_migration.change_log c
   where c.old_schema = p_schema and c.old_table = p_table order by c.id limit 1;
  if first_id is null then
    return;
  end if;
  perform set_config('cortex.sync_source', 'catch-up', true);
  if cardinality(first_ids) > max_keys then
    -- A slice of one large entry; an entry not the one p_skip counted for starts from its first key.
    skip := case when first_id = p_entry then greatest(p_skip, 0) else 0 end;
    ids := array(select distinct k from unnest(first_ids[skip + 1 : skip + max_keys]) k);
    perform cortex_migration.sync_safely(p_schema, p_table, ids);
    consumed := least(max_keys, cardinality(first_ids) - skip);
    if skip + max_keys >= cardinality(first_ids) then
      delete from cortex_migration.change_log where id = first_id;
      entries := 1;
    else
      entries := 0;
      next_entry := first_id;
      next_skip := skip + max_keys;
    end if;
  else
    select count(*), max(c.id), sum(c.n) into entries, last_id, consumed
      from (select id, cardinality(old_ids) as n, sum(cardinality(old_ids)) over (order by id) as running
              from cortex_migration.change_log
             where old_schema = p_schema and old_table = p_table order by id limit max_keys) c
     where c.running <= max_keys;
    select array_agg(distinct k) into ids
      from cortex_migration.change_log c, unnest(c.old_ids) k
     where c.old_schema = p_schema and c.old_table = p_table and c.id <= last_id;
    if ids is not null then
      perform cortex_migration.sync_safely(p_schema, p_table, ids);
    end if;
    delete from cortex_migration.change_log where old_schema = p_schema and old_table = p_table and id <= last_id;
  end if;
  keys := coalesce(cardinality(ids), 0);
end $$;
