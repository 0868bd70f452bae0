// calendar.event_attendees → cortex_scheduling.event_participants; the transform: cortex_migration.tx_calendar_event_attendees.
import { defineTable } from '../../src/generate/spec.js';

/** calendar.event_attendees. */
export const calendarEventAttendees = defineTable({
  legacy: { schema: 'calendar', table: 'event_attendees', key: [{ name: 'event_id', type: 'integer' }, { name: 'contact_id', type: 'integer' }] },
  target: { schema: 'cortex_scheduling', table: 'event_participants', idType: 'uuid' },
  contentType: 'event_attendees',
  columns: ['id', 'event_id', 'participant_id', 'response_status', 'role'],
  reads: ['event_id', 'contact_id', 'response_status', 'role'],
  plain: [],
  derived: {},
  references: [{ column: 'event_id', type: 'uuid', parent: 'calendar.events' }],
  reverse: {
    columns: ['response_status', 'role'],
    key: { kind: 'columns' },
    canonical: {
      response_status: "pending comes back as 'needs_action' (the forward transform maps null, needs_action and pending to pending)",
      role: "attendee comes back as 'required' (the forward transform maps null, required and attendee to attendee)",
    },
  },
});
