drop table cortex_entities.special_dates;
drop table cortex_entities.contact_addresses;
drop table cortex_entities.contact_emails;
drop table cortex_entities.contact_phones;
drop table cortex_entities.objects;
drop table cortex_entities.groups;
drop table cortex_entities.companies;
drop table cortex_entities.persons;
