drop table cortex_scheduling.calendar_integrations;
drop table cortex_scheduling.reminder_links;
drop table cortex_scheduling.reminders;
drop table cortex_scheduling.event_participants;
drop table cortex_scheduling.events;
