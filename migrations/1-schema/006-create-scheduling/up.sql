-- cortex_scheduling: events and participants, reminders and their links, calendar integrations.
create table cortex_scheduling.events (
  id                  uuid primary key default gen_random_uuid(),
  title               varchar(255) not null,
  description         text,
  start_time          timestamptz not null,
  end_time            timestamptz,
  timezone            varchar(50),
  is_all_day          boolean not null default false,
  location            varchar(500),
  location_type       varchar(50) check (location_type in ('physical', 'virtual', 'phone')),
  meeting_url         varchar(500),
  recurrence_rule     text,
  recurrence_end_date timestamptz,
  is_recurring        boolean not null default false,
  parent_event_id     uuid references cortex_scheduling.events (id) on delete cascade,
  created_by_id       varchar(50),
  organizer_id        varchar(50),
  status              varchar(50) not null default 'confirmed' check (status in ('tentative', 'confirmed', 'cancelled')),
  external_event_id   varchar(255),
  calendar_provider   varchar(50),
  space_id            varchar(50),
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now()
);
create index events_start_idx on cortex_scheduling.events (start_time);
create index events_organizer_idx on cortex_scheduling.events (organizer_id, start_time);
create index events_parent_idx on cortex_scheduling.events (parent_event_id);

create table cortex_scheduling.event_participants (
  id              uuid primary key default gen_random_uuid(),
  event_id        uuid not null references cortex_scheduling.events (id) on delete cascade,
  participant_id  varchar(50) not null,
  response_status varchar(20) not null default 'pending' check (response_status in ('pending', 'accepted', 'declined', 'tentative')),
  role            varchar(50) not null default 'attendee' check (role in ('organizer', 'attendee', 'optional')),
  added_at        timestamptz not null default now(),
  unique (event_id, participant_id)
);
create index event_participants_participant_idx on cortex_scheduling.event_participants (participant_id);

create table cortex_scheduling.reminders (
  id                     uuid primary key default gen_random_uuid(),
  title                  varchar(500) not null,
  description            text,
  remind_at              timestamptz not null,
  timezone               varchar(50),
  status                 varchar(20) not null default 'pending' check (status in ('pending', 'snoozed', 'completed', 'dismissed')),
  reminder_type          varchar(30) not null default 'once' check (reminder_type in ('once', 'recurring', 'location_based', 'conditional')),
  priority               varchar(10) check (priority in ('low', 'medium', 'high', 'urgent')),
  reminded_user_id       varchar(50),
  notification_methods   jsonb,
  location_name          varchar(255),
  latitude               numeric(10,8),
  longitude              numeric(10,8),
  location_radius_meters integer,
  recurrence_pattern     jsonb,
  recurrence_end_date    timestamptz,
  condition_type         varchar(50),
  condition_data         jsonb,
  snooze_count           integer not null default 0,
  snooze_until           timestamptz,
  max_snoozes            integer,
  completed_at           timestamptz,
  completed_by           varchar(50),
  completion_notes       text,
  auto_delete_after_days integer,
  created_at             timestamptz not null default now(),
  updated_at             timestamptz not null default now(),
  created_by             varchar(50)
);
-- The reminder loop asks "what is due now?": only pending and snoozed rows matter.
create index reminders_due_idx on cortex_scheduling.reminders (remind_at) where status in ('pending', 'snoozed');
create index reminders_user_idx on cortex_scheduling.reminders (reminded_user_id, remind_at);

create table cortex_scheduling.reminder_links (
  id                uuid primary key default gen_random_uuid(),
  reminder_id       uuid not null references cortex_scheduling.reminders (id) on delete cascade,
  entity_id         varchar(50),
  content_type      varchar(50),
  content_id        varchar(50),
  relationship_type varchar(100),
  created_at        timestamptz not null default now()
);
create index reminder_links_reminder_idx on cortex_scheduling.reminder_links (reminder_id);
create index reminder_links_entity_idx on cortex_scheduling.reminder_links (entity_id);

create table cortex_scheduling.calendar_integrations (
  id                  uuid primary key default gen_random_uuid(),
  user_id             varchar(50) not null,
  provider_type       varchar(50) not null check (provider_type in ('google', 'outlook', 'apple')),
  provider_account_id varchar(255),
  access_token        text,
  refresh_token       text,
  token_expires_at    timestamptz,
  sync_status         varchar(50),
  last_sync_at        timestamptz,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now()
);
create index calendar_integrations_user_idx on cortex_scheduling.calendar_integrations (user_id);
