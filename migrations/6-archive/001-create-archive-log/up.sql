-- What phase 6 archived: one row per renamed legacy schema, with its retention date and backup.
create table cortex_migration.archive (
  schema_name     text primary key,
  archived_as     text not null unique,
  archived_at     timestamptz not null default clock_timestamp(),
  retain_until    timestamptz not null,
  backup_path     text,
  backup_skipped  boolean not null default false,
  check (backup_path is not null or backup_skipped)
);
