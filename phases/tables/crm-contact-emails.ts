// crm.contact_emails → cortex_entities.contact_emails; the transform: cortex_migration.tx_crm_contact_emails.
import { defineTable } from '../../src/generate/spec.js';

/** crm.contact_emails. */
export const crmContactEmails = defineTable({
  legacy: { schema: 'crm', table: 'contact_emails', key: [{ name: 'id', type: 'integer' }] },
  target: { schema: 'cortex_entities', table: 'contact_emails', idType: 'uuid' },
  contentType: 'contact_emails',
  columns: ['id', 'person_id', 'email_address', 'label', 'is_primary'],
  reads: ['id', 'contact_id', 'email', 'label', 'is_primary'],
  plain: ['is_primary'],
  derived: {},
  references: [{ column: 'person_id', type: 'character varying(50)', parent: 'crm.contacts' }],
  reverse: {
    columns: ['contact_id', 'email', 'label', 'is_primary'],
    key: { kind: 'sequence' },
    canonical: {
      email: 'as the target holds it (the forward transform trims: a legacy address with surrounding spaces comes back trimmed)',
      label: 'lower-case and trimmed, as the target holds it (the forward transform maps Work and work alike)',
    },
  },
});
