// crm.projects → cortex_projects.projects; the transform: cortex_migration.tx_crm_projects.
import { defineTable } from '../../src/generate/spec.js';

/** crm.projects. */
export const crmProjects = defineTable({
  legacy: { schema: 'crm', table: 'projects', key: [{ name: 'project_id', type: 'integer' }] },
  target: { schema: 'cortex_projects', table: 'projects', idType: 'character varying(50)' },
  prefix: 'cj',
  contentType: 'projects',
  columns: ['id', 'name', 'description', 'status', 'priority', 'start_date', 'end_date', 'budget', 'owner_id', 'client_id', 'space_id', 'created_at', 'updated_at'],
  reads: ['project_id', 'name', 'description', 'status', 'priority', 'budget', 'start_date', 'end_date', 'owner_user_id', 'client_company_id', 'space_id', 'created_at', 'updated_at'],
  plain: ['description', 'start_date', 'end_date'],
  derived: {},
  references: [],
  reverse: {
    columns: ['name', 'description', 'status', 'priority', 'budget', 'start_date', 'end_date', 'owner_user_id', 'client_company_id',
      'space_id', 'created_at', 'updated_at'],
    key: { kind: 'sequence' },
    canonical: {
      status: "comes back as the target holds it, lower-cased (the forward transform trims and lower-cases, and maps null to 'planning')",
      priority: 'comes back lower-cased and trimmed, as the target holds it',
    },
  },
});
