select 'dual-write-function' as id, to_regprocedure('cortex_migration.dual_write()') is not null as ok
