select 'quarantine-table' as id, to_regclass('cortex_migration.quarantine') is not null as ok
union all
select 'checkpoint-table', to_regclass('cortex_migration.backfill_checkpoints') is not null
