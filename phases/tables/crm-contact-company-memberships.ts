// crm.contact_company_memberships → cortex_foundation.entity_relationships; the transform: cortex_migration.tx_crm_contact_company_memberships.
import { defineTable } from '../../src/generate/spec.js';

/** crm.contact_company_memberships. */
export const crmContactCompanyMemberships = defineTable({
  legacy: { schema: 'crm', table: 'contact_company_memberships', key: [{ name: 'contact_id', type: 'integer' }, { name: 'company_id', type: 'integer' }] },
  target: { schema: 'cortex_foundation', table: 'entity_relationships', idType: 'uuid' },
  contentType: 'contact_company_memberships',
  columns: ['id', 'from_entity_id', 'to_entity_id', 'relationship_type', 'metadata', 'created_at'],
  reads: ['contact_id', 'company_id', 'title', 'started_at', 'created_at'],
  plain: [],
  derived: {},
  references: [],
  reverse: {
    columns: ['title', 'started_at', 'created_at'],
    key: { kind: 'columns' },
    canonical: {
      title: "metadata's title (absent or null: null)",
      started_at: "metadata's started_at, a YYYY-MM-DD date (absent or null: null); metadata null comes back as neither, and the forward transform writes it as {}",
    },
  },
});
