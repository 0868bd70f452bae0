drop view cortex_migration.rx_crm_tasks;
