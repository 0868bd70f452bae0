-- The cortex ledger: current state per step, an append-only event log, and stored reports.
-- Idempotent: every run ensures it exists before taking any decision.
create schema if not exists cortex_migration;

create table if not exists cortex_migration.steps (
  step_id     text primary key,
  phase       integer not null,
  status      text not null check (status in ('applied', 'failed')),
  checksum    text not null,
  applied_at  timestamptz,
  duration_ms integer,
  rows        bigint,
  error       text,
  updated_at  timestamptz not null default clock_timestamp()
);

-- The name of the plan (plan.json `name`) each step belongs to: a database is migrated by one
-- plan at a time, and another plan is refused while any step is applied or failed. Added to
-- ledgers created before it (their rows are null until the plan they belong to runs again).
alter table cortex_migration.steps add column if not exists plan text;

create table if not exists cortex_migration.events (
  id          bigserial primary key,
  at          timestamptz not null default clock_timestamp(),
  run_id      uuid not null,
  step_id     text,
  phase       integer not null,
  direction   text not null check (direction in ('up', 'down', 'verify', 'fail', 'repair')),
  checksum    text,
  duration_ms integer,
  details     jsonb
);

-- Who recorded each event (the OS user and host of the cortex process, the database role) and
-- the plan of its step, for `cortex log`. Added to ledgers created before them: their older
-- rows stay null, since who ran them was never recorded.
alter table cortex_migration.events
  add column if not exists os_user text,
  add column if not exists host    text,
  add column if not exists db_user text,
  add column if not exists plan    text;

-- `repair` (a changed step's new checksum accepted, cortex repair) came after the first ledgers:
-- widen their check once, on a ledger whose check does not know it yet.
do $$
begin
  if not exists (select 1 from pg_constraint where conrelid = 'cortex_migration.events'::regclass
                 and conname = 'events_direction_check' and pg_get_constraintdef(oid) like '%''repair''%') then
    alter table cortex_migration.events drop constraint if exists events_direction_check;
    alter table cortex_migration.events add constraint events_direction_check
      check (direction in ('up', 'down', 'verify', 'fail', 'repair'));
  end if;
end $$;

create table if not exists cortex_migration.reports (
  id          bigserial primary key,
  created_at  timestamptz not null default clock_timestamp(),
  run_id      uuid not null,
  phase       integer not null,
  direction   text not null,
  status      text not null,
  report      jsonb not null
);

-- Appending is the only way in: history cannot be edited by the tool's own code paths.
create or replace function cortex_migration.events_append_only() returns trigger
language plpgsql as $$
begin
  raise exception 'cortex_migration.events is append-only';
end $$;

do $$
begin
  if not exists (select 1 from pg_trigger where tgname = 'events_append_only'
                 and tgrelid = 'cortex_migration.events'::regclass) then
    create trigger events_append_only before update or delete on cortex_migration.events
      for each row execute function cortex_migration.events_append_only();
  end if;
end $$;

-- Checkpoints of batched work in TypeScript steps (src/batch/): one row per job, moved in the
-- same transaction as each batch, so a rerun after a crash continues after the last commit.
create table if not exists cortex_migration.batch_checkpoints (
  job         text primary key,
  last_key    text,
  rows_done   bigint not null default 0,
  batches     integer not null default 0,
  rows_total  bigint,
  started_at  timestamptz not null default clock_timestamp(),
  updated_at  timestamptz not null default clock_timestamp(),
  finished_at timestamptz
);

-- Pause and resume of batched work (`cortex backfill pause` / `resume`): one row. Every batch loop
-- (the backfill, a plan's batched updates, phase 4's replay; any worker, any machine) reads it
-- before each batch and holds while it says paused. Who set it and when, for `status`.
create table if not exists cortex_migration.batch_control (
  id         boolean primary key default true check (id),
  paused     boolean not null default false,
  reason     text,
  os_user    text,
  host       text,
  db_user    text,
  changed_at timestamptz not null default clock_timestamp()
);

-- What the batch governor of each running cortex process is doing (batch size, rate, why it slows
-- down, time throttled), written every few seconds by the process and removed when it finishes,
-- for `status`. A row not updated for a minute belongs to a process that is gone.
create table if not exists cortex_migration.batch_governors (
  host       text not null,
  pid        integer not null,
  state      jsonb not null,
  summary    jsonb not null,
  started_at timestamptz not null default clock_timestamp(),
  updated_at timestamptz not null default clock_timestamp(),
  primary key (host, pid)
);
