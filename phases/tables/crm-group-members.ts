// crm.group_members → cortex_foundation.entity_relationships; the transform: cortex_migration.tx_crm_group_members.
import { defineTable } from '../../src/generate/spec.js';

/** crm.group_members. */
export const crmGroupMembers = defineTable({
  legacy: { schema: 'crm', table: 'group_members', key: [{ name: 'group_id', type: 'integer' }, { name: 'contact_id', type: 'integer' }] },
  target: { schema: 'cortex_foundation', table: 'entity_relationships', idType: 'uuid' },
  contentType: 'group_members',
  columns: ['id', 'from_entity_id', 'to_entity_id', 'relationship_type', 'created_at'],
  reads: ['group_id', 'contact_id', 'added_at'],
  plain: [],
  derived: {},
  references: [],
  reverse: {
    columns: ['added_at'],
    key: { kind: 'columns' },
    canonical: {},
  },
});
