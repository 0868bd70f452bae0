// crm.companies → cortex_entities.companies; the transform: cortex_migration.tx_crm_companies.
import { defineTable } from '../../src/generate/spec.js';

/** crm.companies. */
export const crmCompanies = defineTable({
  legacy: { schema: 'crm', table: 'companies', key: [{ name: 'company_id', type: 'integer' }] },
  target: { schema: 'cortex_entities', table: 'companies', idType: 'character varying(50)' },
  prefix: 'cc',
  contentType: 'companies',
  columns: ['id', 'name', 'industry', 'tax_id', 'website_url', 'status', 'is_client', 'is_vendor', 'created_at', 'updated_at'],
  tags: { from: 'tags' },
  reads: ['company_id', 'name', 'industry', 'website', 'tax_id', 'is_client', 'is_vendor', 'tags', 'created_at', 'updated_at'],
  plain: ['is_client', 'is_vendor'],
  derived: {},
  references: [],
  insertOnly: ['status'],
  reverse: {
    columns: ['name', 'industry', 'website', 'tax_id', 'is_client', 'is_vendor', 'tags', 'created_at', 'updated_at'],
    key: { kind: 'sequence' },
    canonical: {
      tags: "the names of the tags linked in entity_tags, whatever their scope, each once, sorted by name; no tags come back as null, not '[]' (cortex_migration.legacy_entity_tags)",
    },
    owners: [{ table: 'cortex_foundation.entity_tags', column: 'entity_id' }],
  },
});
