drop table cortex_migration.whatsapp_fingerprint;
drop function cortex_migration.whatsapp_fingerprint();
