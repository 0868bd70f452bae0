select 'chunk-table' as id, to_regclass('cortex_migration.backfill_chunks') is not null as ok
union all
select 'worker-registry', to_regclass('cortex_migration.backfill_workers') is not null
union all
select 'claim-function', to_regprocedure('cortex_migration.claim_chunk(uuid)') is not null
