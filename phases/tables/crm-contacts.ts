// crm.contacts → cortex_entities.persons; the transform: cortex_migration.tx_crm_contacts.
import { defineTable } from '../../src/generate/spec.js';

/** crm.contacts. */
export const crmContacts = defineTable({
  legacy: { schema: 'crm', table: 'contacts', key: [{ name: 'contact_id', type: 'integer' }] },
  target: { schema: 'cortex_entities', table: 'persons', idType: 'character varying(50)' },
  prefix: 'cp',
  contentType: 'contacts',
  columns: ['id', 'full_name', 'first_name', 'last_name', 'profession', 'date_of_birth', 'relationship', 'notes', 'profile_picture_url', 'is_active', 'created_at', 'updated_at', 'created_by'],
  tags: { from: 'tags' },
  reads: ['contact_id', 'full_name', 'profession', 'relationship', 'notes', 'profile_picture_url', 'date_of_birth', 'tags', 'created_by', 'created_at', 'updated_at'],
  plain: ['notes', 'date_of_birth'],
  derived: {},
  references: [],
});
