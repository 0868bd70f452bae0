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
  insertOnly: ['is_active'],
  reverse: {
    columns: ['full_name', 'profession', 'relationship', 'notes', 'profile_picture_url', 'date_of_birth', 'tags', 'created_by', 'created_at', 'updated_at'],
    key: { kind: 'sequence' },
    canonical: {
      full_name: 'the target full_name, trimmed; first_name/last_name are ignored when it has text (they are derived from it again at the next legacy write), else first middle last joined by one space, cut to 255 characters (cortex_migration.legacy_full_name)',
      tags: "the names of the tags linked in entity_tags, whatever their scope, each once, sorted by name; no tags come back as null, not '[]' (cortex_migration.legacy_entity_tags)",
    },
    owners: [{ table: 'cortex_foundation.entity_tags', column: 'entity_id' }],
  },
});
