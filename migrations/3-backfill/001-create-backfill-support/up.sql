-- Backfill support: quarantine, per-table checkpoints, the helpers the sync functions are built
-- with, and the keyset batching of the backfill. A transform is a view
-- cortex_migration.tx_<schema>_<table> (defined once, in the next steps) with meta columns
-- _legacy_key, _old_id, _problem (null for a good row, else why it cannot be migrated, built by the
-- helpers below; optional _entity_name, _tags, _links) and otherwise exactly the target's columns. sync_<schema>_<table>(old_ids), generated from the table's spec (007), makes the
-- target agree with the view for those legacy keys: upsert good rows, quarantine bad ones,
-- delete target rows whose legacy row is gone. Backfill, dual-write, catch-up and validation all
-- go through these two objects.

-- A legacy row that cannot be migrated, and why: code is the kind of problem, for programs (unmapped:
-- the row has no id mapping; missing: a row it references does not exist, and it waits for that row,
-- named by awaited_table ('schema.table') and awaited_key (its legacy key as text); invalid: a value
-- the target cannot take; refused: the target refused the write; failed: dual-write's last resort);
-- reason says the same for people.
create table cortex_migration.quarantine (
  old_schema    text not null,
  old_table     text not null,
  old_id        text not null,
  code          text not null check (code in ('unmapped', 'missing', 'invalid', 'refused', 'failed')),
  reason        text not null check (reason <> ''),
  awaited_table text,
  awaited_key   text,
  source        text not null default 'backfill',
  first_seen    timestamptz not null default clock_timestamp(),
  last_seen     timestamptz not null default clock_timestamp(),
  primary key (old_schema, old_table, old_id),
  -- the awaited row is named exactly when the row waits for one
  constraint quarantine_awaited_check check (
    case when code = 'missing' then awaited_table is not null and awaited_key is not null
         else awaited_table is null and awaited_key is null end)
);

-- A transform view's _problem: jsonb {code, reason} and, for a missing row, {awaited_table,
-- awaited_key}, the quarantine's columns. One expression each, so the planner inlines them into
-- the views, where a CASE evaluates them only for a row with a problem; stable, as
-- jsonb_build_object is. A null text gives no problem, as the text alone did.
create function cortex_migration.unmapped() returns jsonb
language sql immutable parallel safe as $$ select '{"code": "unmapped", "reason": "no id mapping"}'::jsonb $$;

create function cortex_migration.invalid(reason text) returns jsonb
language sql stable parallel safe as $$
  select case when reason is not null then jsonb_build_object('code', 'invalid', 'reason', reason) end
$$;

-- "<col> <key> has no <tbl> row": the row waits for that row (tbl is 'schema.table'). A null
-- reference waits for nothing: invalid.
create function cortex_migration.missing(col text, key text, tbl text) returns jsonb
language sql stable parallel safe as $$
  select case when key is null then jsonb_build_object('code', 'invalid', 'reason', col || ' null has no ' || tbl || ' row')
              else jsonb_build_object('code', 'missing', 'reason', col || ' ' || key || ' has no ' || tbl || ' row',
                                      'awaited_table', tbl, 'awaited_key', key) end
$$;

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

-- Deterministic uuid for derived rows (tags, tag links, relationship links): reruns converge.
-- Stable, not immutable, because array_to_string is: the planner never inlines an immutable
-- function whose body calls a stable one, and called instead of inlined it made every tag and link
-- statement of a write slower (three tags' ids in a loop, PostgreSQL 15: 8–12 → 25 µs a statement).
create function cortex_migration.derived_id(variadic parts text[]) returns uuid
language sql stable parallel safe as $$
  select md5(array_to_string(parts, '|'))::uuid
$$;

-- The id of the global tag named `name`: the tag of that name when one exists (the application may
-- have created it with an id of its own once it writes the target), else its derived id. Every
-- path that links a tag by name takes its id from here.
create function cortex_migration.tag_id(name text) returns uuid
language sql stable parallel safe as $$
  select coalesce((select t.id from cortex_foundation.tags t where t.scope = 'global' and t.name = $1),
                  cortex_migration.derived_id('tag', 'global', $1))
$$;

-- Is this jsonb an array of non-empty strings of at most 100 characters (a valid tag list)?
-- One expression, no subquery, so the planner inlines it into the transform views.
create function cortex_migration.valid_tags(tags jsonb) returns boolean
language sql immutable parallel safe as $$
  select tags is null or (jsonb_typeof(tags) = 'array'
    and not jsonb_path_exists(tags, '$[*] ? (@.type() != "string" || @ like_regex "^\\s*$" || @ like_regex "^.{101}")'))
$$;

-- Sync a set of legacy keys of one table; a failing key is quarantined with the error instead of
-- failing the whole set (used by backfill fallbacks and by dual-write, which must never break
-- the application's write).
create function cortex_migration.sync_safely(p_schema text, p_table text, old_ids text[]) returns integer
language plpgsql as $$
declare
  f text := (select case when current_setting('cortex.sync_source', true) = 'backfill' then m.sync_fill_function else m.sync_function end
               from cortex_migration.mapped_tables m where m.old_schema = p_schema and m.old_table = p_table);
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
      insert into cortex_migration.quarantine (old_schema, old_table, old_id, code, reason, source)
      values (p_schema, p_table, k, 'refused', 'cannot be written to the target: ' || sqlerrm,
              coalesce(current_setting('cortex.sync_source', true), 'backfill'))
      on conflict (old_schema, old_table, old_id) do update set code = excluded.code, reason = excluded.reason,
        awaited_table = null, awaited_key = null, last_seen = clock_timestamp();
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
