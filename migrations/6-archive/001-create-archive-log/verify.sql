select 'archive-log' as id, to_regclass('cortex_migration.archive') is not null as ok
