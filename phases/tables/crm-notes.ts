// crm.notes → cortex_knowledge.notes; the transform: cortex_migration.tx_crm_notes.
import { defineTable } from '../../src/generate/spec.js';

/** crm.notes. */
export const crmNotes = defineTable({
  legacy: { schema: 'crm', table: 'notes', key: [{ name: 'note_id', type: 'integer' }] },
  target: { schema: 'cortex_knowledge', table: 'notes', idType: 'uuid' },
  contentType: 'note',
  columns: ['id', 'title', 'content', 'note_type', 'format', 'created_by_id', 'space_id', 'word_count', 'created_at', 'updated_at'],
  tags: { from: 'tags' },
  links: true,
  reads: ['note_id', 'title', 'content', 'note_type', 'format', 'contact_id', 'project_id', 'triggering_message_id', 'tags', 'space_id', 'created_by', 'created_at', 'updated_at'],
  plain: ['updated_at'],
  derived: {},
  references: [],
});
