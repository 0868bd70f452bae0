-- Change capture from the start of the backfill (its triggers: 009; their functions, log_<table>(),
-- generated beside this file): every write to a mapped legacy table is logged
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
