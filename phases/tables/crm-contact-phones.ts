// crm.contact_phones → cortex_entities.contact_phones; the transform: cortex_migration.tx_crm_contact_phones.
import { defineTable } from '../../src/generate/spec.js';

/** crm.contact_phones. */
export const crmContactPhones = defineTable({
  legacy: { schema: 'crm', table: 'contact_phones', key: [{ name: 'id', type: 'integer' }] },
  target: { schema: 'cortex_entities', table: 'contact_phones', idType: 'uuid' },
  contentType: 'contact_phones',
  columns: ['id', 'person_id', 'phone_number', 'label', 'is_primary', 'is_whatsapp_enabled'],
  reads: ['id', 'contact_id', 'phone_number', 'label', 'is_primary', 'is_whatsapp'],
  plain: ['is_primary'],
  derived: {},
  references: [{ column: 'person_id', type: 'character varying(50)', parent: 'crm.contacts' }],
  reverse: {
    columns: ['contact_id', 'phone_number', 'label', 'is_primary', 'is_whatsapp'],
    key: { kind: 'sequence' },
    canonical: {
      phone_number: 'as the target holds it (the forward transform trims: a legacy number with surrounding spaces comes back trimmed)',
      label: 'lower-case and trimmed, as the target holds it (the forward transform maps Mobile and mobile alike)',
    },
  },
});
