// crm.contact_relationships → cortex_foundation.entity_relationships; the transform: cortex_migration.tx_crm_contact_relationships.
import { defineTable } from '../../src/generate/spec.js';

/** crm.contact_relationships. */
export const crmContactRelationships = defineTable({
  legacy: { schema: 'crm', table: 'contact_relationships', key: [{ name: 'id', type: 'integer' }] },
  target: { schema: 'cortex_foundation', table: 'entity_relationships', idType: 'uuid' },
  contentType: 'contact_relationships',
  columns: ['id', 'from_entity_id', 'to_entity_id', 'relationship_type', 'is_bidirectional', 'created_at'],
  reads: ['id', 'contact_id', 'related_contact_id', 'relationship_type', 'created_at'],
  plain: [],
  derived: {},
  references: [],
  reverse: {
    columns: ['contact_id', 'related_contact_id', 'relationship_type', 'created_at'],
    key: { kind: 'sequence' },
    canonical: {
      relationship_type: 'as the target holds it (lower-case letters and underscores; the forward transform lower-cases and trims the legacy value)',
    },
  },
});
