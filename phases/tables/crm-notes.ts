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
  reverse: {
    columns: ['title', 'content', 'note_type', 'format', 'contact_id', 'project_id', 'triggering_message_id', 'tags', 'space_id',
      'created_by', 'created_at', 'updated_at'],
    key: { kind: 'sequence' },
    canonical: {
      format: "plain_text comes back as 'plain' (the forward transform maps plain and plain_text to plain_text, and null to markdown) (cortex_migration.legacy_note_format)",
      tags: "the names of the tags linked in content_tags (content_type 'note'), whatever their scope, each once, sorted by name; no tags come back as null, not '[]' (cortex_migration.legacy_content_tags)",
      contact_id: 'the note_about_person link the forward derived, else the oldest the application wrote (one contact per legacy note)',
      project_id: 'the note_about_project link the forward derived, else the oldest the application wrote (one project per legacy note)',
      triggering_message_id: "the message id of the triggered_by_message link ('instance:message_id'); the instance is the first holding that id, as the forward finds it",
    },
    owners: [
      { table: 'cortex_foundation.content_tags', column: 'content_id' },
      { table: 'cortex_foundation.entity_relationships', column: 'content_id' },
    ],
  },
});
