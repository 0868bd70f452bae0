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

-- The complete pg_dump file of the latest archive attempt: the next attempt's complete dump
-- replaces it (and deletes its file), so failed attempts do not pile up backups.
create table cortex_migration.archive_backup (
  path      text primary key,
  taken_at  timestamptz not null default clock_timestamp()
);
