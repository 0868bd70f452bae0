// crm.groups → cortex_entities.groups; the transform: cortex_migration.tx_crm_groups.
import { defineTable } from '../../src/generate/spec.js';

/** crm.groups. */
export const crmGroups = defineTable({
  legacy: { schema: 'crm', table: 'groups', key: [{ name: 'group_id', type: 'integer' }] },
  target: { schema: 'cortex_entities', table: 'groups', idType: 'character varying(50)' },
  prefix: 'cg',
  contentType: 'groups',
  columns: ['id', 'name', 'group_type', 'parent_group_id', 'status', 'created_at', 'updated_at'],
  reads: ['group_id', 'name', 'group_type', 'parent_group_id', 'created_at'],
  plain: [],
  derived: {},
  references: [{ column: 'parent_group_id', type: 'character varying(50)', parent: 'crm.groups' }],
  insertOnly: ['status', 'updated_at'],
  reverse: {
    columns: ['name', 'group_type', 'parent_group_id', 'created_at'],
    key: { kind: 'sequence' },
    canonical: {},
  },
});
