-- Dual-write (seed 000 "Database Triggers for Data Sync"): per mapped table, the trigger function
-- dw_<schema>_<table>() and its row path sync_<schema>_<table>_one(), generated beside this file
-- from the table's spec (src/generate/templates/dual-write.ts, sync-one.ts, plain-update.ts); the
-- triggers themselves are installed by the next step. Here: the catch-up that replays the change
-- log recorded since the backfill started.

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
