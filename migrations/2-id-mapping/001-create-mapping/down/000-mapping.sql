drop function cortex_migration.check_mappings(text);
drop function cortex_migration.key_expression(text[], text);
drop function cortex_migration.new_id(text, text, text, text, text);
drop table cortex_migration.mapped_references;
drop table cortex_migration.mapped_tables;
drop table cortex_migration.coverage;
drop table cortex_migration.migration_mappings;
drop table cortex_migration.id_salt;
