select 'archive-log' as id, to_regclass('cortex_migration.archive') is not null as ok
union all
select 'archive-backup-log', to_regclass('cortex_migration.archive_backup') is not null
