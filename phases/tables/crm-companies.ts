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
});
