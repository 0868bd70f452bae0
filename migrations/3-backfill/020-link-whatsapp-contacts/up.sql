-- WhatsApp contacts ↔ persons, matched on the normalised phone number (the contact's jid number
-- and a migrated crm phone written any way). Reads whatsapp only.
insert into cortex_communication.channel_entity_links (id, channel_type, channel_record_id, entity_id, relationship_type, created_at)
select distinct on (w.instance_name, w.jid, p.person_id)
       cortex_migration.derived_id('whatsapp-link', w.instance_name, w.jid, p.person_id),
       'whatsapp', w.instance_name || ':' || w.jid, p.person_id, 'contact_of', clock_timestamp()
from whatsapp.contacts w
join cortex_entities.contact_phones p
  on cortex_foundation.normalize_phone(p.phone_number) = cortex_foundation.normalize_phone(coalesce(w.phone_number, w.jid))
on conflict do nothing;
