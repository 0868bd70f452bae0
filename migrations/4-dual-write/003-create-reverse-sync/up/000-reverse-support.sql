-- The way back (seed 000: "instant rollback capability"): from phase 4 on, a write the application
-- makes on a target table reaches its legacy table in the same transaction. Per legacy table, a
-- reverse view (target row → legacy row, 001-reverse-views.sql) and, generated beside this file
-- from the table specs, rsync_<schema>_<table>(new_ids) and the row-level trigger function of its
-- target table, rv_<target schema>_<target table>() (phases/4-dual-write/004 installs the triggers).

-- Target ids whose legacy row was busy when the application wrote them: the reverse never waits
-- for a legacy row (a legacy writer holding it may be waiting for this very target row in its
-- dual-write: a lock cycle), so it defers them here; drain_reverse_log() applies them from the
-- target's state later (the later commit wins, as it would in one table).
create table cortex_migration.reverse_log (
  id         bigserial primary key,
  new_schema text not null,
  new_table  text not null,
  new_ids    text[] not null,
  logged_at  timestamptz not null default clock_timestamp()
);

-- Writes the reverse sync made, per legacy table: `cortex status` tells from them (and the
-- legacy tables' own write counters) how many writes arrived from each side. Append-only and
-- unlogged: no counter row for concurrent writers to queue on, no WAL for a statistic.
create unlogged table cortex_migration.reverse_writes (
  old_schema text not null,
  old_table  text not null,
  n          integer not null,
  at         timestamptz not null default clock_timestamp()
);

-- Each legacy table's own write counter (pg_stat: rows inserted, updated, deleted) when the way
-- back went live: the writes since, less those the reverse sync made, came from the legacy side.
create table cortex_migration.write_baseline (
  old_schema   text not null,
  old_table    text not null,
  legacy_rows  bigint not null,
  taken_at     timestamptz not null default clock_timestamp(),
  primary key (old_schema, old_table)
);

-- Per mapped table: writes that arrived from each side since phase 4 (approximate: pg_stat
-- counts the rows of rolled-back writes too, and reaches a counter at the end of a transaction).
create view cortex_migration.writes_by_side as
select m.old_schema, m.old_table, m.position,
       greatest(coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, 0) - b.legacy_rows - coalesce(r.n, 0), 0) as legacy_side,
       coalesce(r.n, 0) as target_side
  from cortex_migration.mapped_tables m
  join cortex_migration.write_baseline b using (old_schema, old_table)
  left join pg_stat_user_tables s on s.relid = to_regclass(format('%I.%I', m.old_schema, m.old_table))
  left join (select old_schema, old_table, sum(n)::bigint as n from cortex_migration.reverse_writes group by 1, 2) r
    using (old_schema, old_table);

-- Apply the oldest deferred entries (up to max_entries) and remove them; returns how many. Each
-- entry is re-synced by the reverse sync of every legacy table of its target table, waiting for
-- the legacy rows this time (the lock_timeout below): a writer that still holds one fails the call,
-- and the caller retries. Entries another drain is applying are skipped.
create function cortex_migration.drain_reverse_log(max_entries integer default 100) returns integer
language plpgsql set lock_timeout = '500ms' as $$
declare
  e record;
  m record;
  n integer := 0;
begin
  for e in select * from cortex_migration.reverse_log order by id limit max_entries for update skip locked loop
    for m in select mt.reverse_sync_function from cortex_migration.mapped_tables mt
              where mt.new_schema = e.new_schema and mt.new_table = e.new_table and mt.reverse_sync_function is not null loop
      execute format('select cortex_migration.%I($1, true)', m.reverse_sync_function) using e.new_ids;
    end loop;
    delete from cortex_migration.reverse_log where id = e.id;
    n := n + 1;
  end loop;
  return n;
end $$;

-- Canonical legacy values where the forward transform is not one-to-one (docs/two-way-sync.md).

-- A target task status in the legacy vocabulary: todo was pending there (task_status maps both).
create function cortex_migration.legacy_task_status(target text) returns text
language sql immutable parallel safe as $$ select case target when 'todo' then 'pending' else target end $$;
