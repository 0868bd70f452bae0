drop view cortex_migration.rx_crm_groups;
drop view cortex_migration.rx_crm_companies;
drop view cortex_migration.rx_crm_contact_emails;
drop view cortex_migration.rx_crm_contact_phones;
drop view cortex_migration.rx_crm_contacts;
drop function cortex_migration.legacy_entity_tags(text);
drop function cortex_migration.legacy_full_name(text, text, text, text);
