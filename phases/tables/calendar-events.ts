// calendar.events → cortex_scheduling.events; the transform: cortex_migration.tx_calendar_events.
import { defineTable } from '../../src/generate/spec.js';

/** calendar.events. */
export const calendarEvents = defineTable({
  legacy: { schema: 'calendar', table: 'events', key: [{ name: 'event_id', type: 'integer' }] },
  target: { schema: 'cortex_scheduling', table: 'events', idType: 'uuid' },
  contentType: 'event',
  columns: ['id', 'title', 'description', 'start_time', 'end_time', 'is_all_day', 'location', 'recurrence_rule', 'is_recurring', 'organizer_id', 'created_by_id', 'status', 'created_at', 'updated_at'],
  links: true,
  reads: ['event_id', 'title', 'description', 'start_time', 'end_time', 'is_all_day', 'location', 'recurrence_rule', 'organizer_user_id', 'project_id', 'triggering_message_id', 'reminder_minutes', 'created_at', 'updated_at'],
  plain: ['description', 'is_all_day', 'updated_at'],
  derived: {},
  references: [],
  insertOnly: ['status'],
  reverse: {
    columns: ['title', 'description', 'start_time', 'end_time', 'is_all_day', 'location', 'recurrence_rule', 'organizer_user_id',
      'project_id', 'triggering_message_id', 'reminder_minutes', 'created_at', 'updated_at'],
    key: { kind: 'sequence' },
    canonical: {
      triggering_message_id: "the message id of the triggered_by_message link's message (instance:message_id), which must be the first instance holding that id, as the forward transform picks it",
    },
    // project_id, triggering_message_id and reminder_minutes come from the event's derived links.
    owners: [{ table: 'cortex_foundation.entity_relationships', column: 'content_id' }],
  },
});
