drop view cortex_migration.tx_calendar_event_attendees;
drop view cortex_migration.tx_calendar_events;
drop view cortex_migration.tx_crm_notes;
drop view cortex_migration.tx_crm_tasks;
drop function cortex_migration.task_status(text);
drop view cortex_migration.tx_crm_projects;
drop function cortex_migration.norm(text);
