-- What the per-table sync functions share. Those functions, generated beside this file from the
-- table specs (phases/tables, `npm run generate`): sync_<schema>_<table>(old_ids) and
-- sync_<schema>_<table>_fill(old_ids), the set path, and below_<schema>_<table>(ids) for a table
-- with rows below it.
--
-- Dependents. The target's foreign keys hang rows of one mapped table off another's (a person's
-- e-mails, a space's items, a task's subtasks). When a sync removes a target row because its
-- legacy row is gone or can no longer be migrated, the rows below it must end where a rebuild
-- would put them: not written (their reference is missing) and quarantined. Left to the target's
-- ON DELETE CASCADE they would vanish without a quarantine entry; a NO ACTION key would make the
-- removal fail. So a sync removes them itself, deepest first, and then syncs their legacy keys
-- again. When a quarantined row becomes good again, the quarantined rows that reference it are
-- retried. These paths run only for removals and recoveries, never for an ordinary write, and
-- only for tables that have rows below them; the others delete inside the sync's statement.

-- Foreign keys between two mapped tables' targets (the specs' references, loaded in phase 2),
-- with the child's target table, for the retries below.
create view cortex_migration.target_edges as
select r.parent_schema, r.parent_table, r.child_schema, r.child_table,
       c.new_schema as child_new_schema, c.new_table as child_new_table, r.child_column, r.column_type
  from cortex_migration.mapped_references r
  join cortex_migration.mapped_tables c on c.old_schema = r.child_schema and c.old_table = r.child_table;

-- One level of the rows below a removed row, as below_<schema>_<table> returns them.
create type cortex_migration.dependent_rows as (depth integer, old_schema text, old_table text, new_ids text[], old_ids text[]);

-- Delete these target rows of one mapped table with what the sync derived from them: registry
-- row, tag links, relationships. A dependent whose sync now fails leaves no trace, as in a rebuild.
create function cortex_migration.delete_target_rows(p_schema text, p_table text, p_ids text[]) returns void
language plpgsql as $$
declare
  m cortex_migration.mapped_tables;
  id_type text;
begin
  select * into strict m from cortex_migration.mapped_tables where old_schema = p_schema and old_table = p_table;
  select format_type(a.atttypid, a.atttypmod) into strict id_type from pg_attribute a
   where a.attrelid = format('%I.%I', m.new_schema, m.new_table)::regclass and a.attname = 'id';
  execute format('delete from %I.%I where id = any($1::%s[])', m.new_schema, m.new_table, id_type) using p_ids;
  if m.prefix is not null then
    delete from cortex_foundation.entities where id = any(p_ids::varchar[]);
    delete from cortex_foundation.entity_tags where entity_id = any(p_ids::varchar[]);
  elsif m.has_tags then
    delete from cortex_foundation.content_tags where content_type = m.content_type and content_id = any(p_ids::varchar[]);
  end if;
  if m.has_links then
    delete from cortex_foundation.entity_relationships
     where content_type = m.content_type and content_id = any(p_ids::varchar[]) and metadata->>'derived_from' = p_schema || '.' || p_table;
  end if;
end $$;

-- Re-sync quarantined rows of one table that another row's sync found may now be good. Under
-- dual-write these are not the rows the application's statement wrote, so their legacy rows are
-- share-locked first, as the full sync does for every other caller: a concurrent writer of the
-- same row commits before they are read, or waits for this transaction, and the target never
-- gets an older version than the legacy row. A lock that cannot be had (the application's own
-- lock_timeout, a deadlock) leaves them quarantined; phase 4's catch-up retries them.
create function cortex_migration.retry_rows(p_schema text, p_table text, p_ids text[]) returns void
language plpgsql as $$
declare
  k text;
  typ text;
begin
  if current_setting('cortex.sync_source', true) = 'dual-write' then
    select m.key_columns[1], format_type(a.atttypid, a.atttypmod) into strict k, typ
      from cortex_migration.mapped_tables m
      join pg_attribute a on a.attrelid = format('%I.%I', m.old_schema, m.old_table)::regclass and a.attname = m.key_columns[1]
     where m.old_schema = p_schema and m.old_table = p_table;
    execute format('select 1 from %I.%I where %I = any($1::%s[]) for share', p_schema, p_table, k, typ)
      using array(select split_part(x, ':', 1) from unnest(p_ids) x);
  end if;
  perform cortex_migration.sync_safely(p_schema, p_table, p_ids);
exception when lock_not_available or deadlock_detected then
  null;
end $$;

-- Retry the quarantined legacy rows whose transform references these target ids of one mapped
-- table (rows that just became good again). Each retried row that comes back retries its own.
create function cortex_migration.retry_dependents(p_schema text, p_table text, p_ids text[]) returns void
language plpgsql as $$
declare
  e cortex_migration.target_edges;
  c cortex_migration.mapped_tables;
  ids text[];
begin
  for e in select * from cortex_migration.target_edges where parent_schema = p_schema and parent_table = p_table loop
    continue when not exists (select 1 from cortex_migration.quarantine q where q.old_schema = e.child_schema and q.old_table = e.child_table);
    select * into strict c from cortex_migration.mapped_tables where old_schema = e.child_schema and old_table = e.child_table;
    execute format(
      'select array_agg(q.old_id) from cortex_migration.quarantine q
         join cortex_migration.%I v on v._legacy_key = split_part(q.old_id, '':'', 1)::%s and v._old_id = q.old_id
        where q.old_schema = $1 and q.old_table = $2 and v.%I = any($3::%s[])',
      c.transform_view, c.key_type, e.child_column, e.column_type)
      into ids using e.child_schema, e.child_table, p_ids;
    if ids is not null then
      perform cortex_migration.retry_rows(e.child_schema, e.child_table, ids);
    end if;
  end loop;
end $$;

-- Rows waiting for a row that does not exist yet. The legacy schema has no foreign keys, so the
-- application can write a row before the row it references (a subtask before its parent task, a
-- phone before its contact); the transform then quarantines it as missing, naming the row it waits
-- for (awaited_table, awaited_key). When that row is inserted, the sync of its table retries them,
-- as a rebuild would write them. The index lets every sync ask "is anything waiting for this
-- table, or for this key?" cheaply.
create index quarantine_awaited_idx on cortex_migration.quarantine (awaited_table, awaited_key)
  where awaited_table is not null;

-- Retry the quarantined rows waiting for these legacy keys of one table (rows just synced).
create function cortex_migration.retry_waiting(p_schema text, p_table text, p_ids text[]) returns void
language plpgsql as $$
declare
  w record;
begin
  for w in select q.old_schema, q.old_table, array_agg(q.old_id order by q.old_id) as ids
             from cortex_migration.quarantine q
            where q.awaited_table = p_schema || '.' || p_table and q.awaited_key = any(p_ids)
            group by 1, 2 order by 1, 2 loop
    perform cortex_migration.retry_rows(w.old_schema, w.old_table, w.ids);
  end loop;
end $$;

-- Quarantined rows that a retry would write now. Dual-write retries a waiting row when the row it
-- waits for arrives (later, or in the same transaction), and the rows below a row that leaves the
-- quarantine; a row written by another transaction while the row it waits for was not yet
-- committed misses that retry (neither sees the other), and so may a row the target refused for
-- a reason its transform does not foresee. Phase 4's catch-up retries every quarantined row whose
-- transform is good now, and phase 5 fails while such a retry would still write one.

-- The quarantined keys of one mapped table whose transform finds nothing wrong now (null: none).
create function cortex_migration.good_now(p_schema text, p_table text) returns text[]
language plpgsql stable as $$
declare
  m cortex_migration.mapped_tables;
  ids text[];
begin
  select * into strict m from cortex_migration.mapped_tables where old_schema = p_schema and old_table = p_table;
  execute format(
    'select array_agg(q.old_id order by q.old_id) from cortex_migration.quarantine q
       join cortex_migration.%I v on v._legacy_key = split_part(q.old_id, '':'', 1)::%s and v._old_id = q.old_id
      where q.old_schema = $1 and q.old_table = $2 and v._problem is null',
    m.transform_view, m.key_type)
    into ids using p_schema, p_table;
  return ids;
end $$;

-- Retry them, table by table in dependency order (a parent written retries the rows below it);
-- returns the rows that left the quarantine, with the reason they had. A row the target still
-- refuses is quarantined again. The catch-up's lock timeout: a writer holding one of those
-- legacy rows fails the call, and the caller retries it.
create function cortex_migration.retry_good_now() returns table (old_schema text, old_table text, old_id text, reason text)
language plpgsql set lock_timeout = '500ms' as $$
declare
  m cortex_migration.mapped_tables;
  tried cortex_migration.quarantine[] := '{}';
begin
  perform set_config('cortex.sync_source', 'catch-up', true);
  for m in select * from cortex_migration.mapped_tables x
            where exists (select 1 from cortex_migration.quarantine q where q.old_schema = x.old_schema and q.old_table = x.old_table)
            order by x.position loop
    tried := tried || array(select q from cortex_migration.quarantine q
                             where q.old_schema = m.old_schema and q.old_table = m.old_table
                               and q.old_id = any(cortex_migration.good_now(m.old_schema, m.old_table)));
  end loop;
  for m in select * from cortex_migration.mapped_tables x order by x.position loop
    -- Rows a parent's retry already wrote are not synced twice.
    perform cortex_migration.sync_safely(m.old_schema, m.old_table, ids)
       from (select array_agg(t.old_id order by t.old_id) as ids from unnest(tried) t
              where t.old_schema = m.old_schema and t.old_table = m.old_table
                and exists (select 1 from cortex_migration.quarantine q
                             where q.old_schema = t.old_schema and q.old_table = t.old_table and q.old_id = t.old_id)) x
      where x.ids is not null;
  end loop;
  return query select t.old_schema, t.old_table, t.old_id, t.reason from unnest(tried) t
    where not exists (select 1 from cortex_migration.quarantine q
                       where q.old_schema = t.old_schema and q.old_table = t.old_table and q.old_id = t.old_id)
    order by 1, 2, 3;
end $$;

-- What retry_good_now() would write, tried in a subtransaction that is always undone: phase 5's
-- check, which changes nothing. Under the caller's repeatable-read snapshot a row changed since
-- it began cannot be written and counts as still refused (the change's own dual-write retried
-- it). A lock it cannot get within the timeout (an application holding one of those legacy rows)
-- makes the answer unknown: one row with no key and the error as its reason.
create function cortex_migration.writable_quarantine() returns table (old_schema text, old_table text, old_id text, reason text)
language plpgsql as $$
declare
  found jsonb;
begin
  begin
    found := (select jsonb_agg(to_jsonb(r)) from cortex_migration.retry_good_now() r);
    raise sqlstate 'CX000';
  exception
    when sqlstate 'CX000' then
      null;
    when lock_not_available or deadlock_detected or serialization_failure then
      return query select null::text, null::text, null::text, 'could not try the quarantined rows: ' || sqlerrm;
      return;
  end;
  return query select x.old_schema, x.old_table, x.old_id, x.reason
                 from jsonb_to_recordset(coalesce(found, '[]')) as x(old_schema text, old_table text, old_id text, reason text)
                order by 1, 2, 3;
end $$;
