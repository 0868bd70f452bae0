-- cortex_entities: persons, companies, groups, objects and contact details. Every row of the
-- four entity tables is also registered in cortex_foundation.entities (enforced by FK).
create table cortex_entities.persons (
  id                  varchar(50) primary key check (id ~ '^cp_')
                      references cortex_foundation.entities (id) on delete cascade,
  full_name           varchar(255),
  first_name          varchar(100),
  middle_name         varchar(100),
  last_name           varchar(100),
  nickname            varchar(100),
  title               varchar(100),
  profession          varchar(100),
  company_name        varchar(255),
  date_of_birth       date,
  gender              varchar(20),
  relationship        varchar(100),
  notes               text,
  profile_picture_url varchar(500),
  is_active           boolean not null default true,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  created_by          varchar(50)
);
create index persons_full_name_idx on cortex_entities.persons (lower(full_name));

create table cortex_entities.companies (
  id            varchar(50) primary key check (id ~ '^cc_')
                references cortex_foundation.entities (id) on delete cascade,
  name          varchar(255) not null,
  legal_name    varchar(255),
  business_type varchar(100),
  industry      varchar(100),
  size          varchar(50),
  tax_id        varchar(50),
  website_url   varchar(500),
  description   text,
  founded_date  date,
  status        varchar(50) not null default 'active' check (status in ('active', 'inactive', 'prospect')),
  is_client     boolean not null default false,
  is_vendor     boolean not null default false,
  is_partner    boolean not null default false,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  created_by    varchar(50)
);
create index companies_name_idx on cortex_entities.companies (lower(name));

create table cortex_entities.groups (
  id              varchar(50) primary key check (id ~ '^cg_')
                  references cortex_foundation.entities (id) on delete cascade,
  name            varchar(255) not null,
  description     text,
  group_type      varchar(100),
  color           varchar(7),
  icon            varchar(50),
  parent_group_id varchar(50) references cortex_entities.groups (id),
  status          varchar(50) not null default 'active' check (status in ('active', 'inactive', 'archived')),
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  created_by      varchar(50)
);
create index groups_parent_idx on cortex_entities.groups (parent_group_id);

create table cortex_entities.objects (
  id                        varchar(50) primary key check (id ~ '^co_')
                            references cortex_foundation.entities (id) on delete cascade,
  name                      varchar(255) not null,
  object_type               varchar(100),
  category                  varchar(100),
  brand                     varchar(100),
  model                     varchar(100),
  year_manufactured         integer,
  serial_number             varchar(200),
  purchase_date             date,
  purchase_price            numeric(15,2),
  current_value             numeric(15,2),
  condition                 varchar(50) check (condition in ('excellent', 'good', 'fair', 'poor')),
  location                  varchar(255),
  status                    varchar(50) not null default 'active' check (status in ('active', 'sold', 'disposed', 'maintenance')),
  current_owner_id          varchar(50),
  assigned_to_id            varchar(50),
  purchased_from_id         varchar(50),
  warranty_expires_date     date,
  registration_number       varchar(100),
  registration_expires_date date,
  insurance_policy_number   varchar(100),
  insurance_expires_date    date,
  insured_by_id             varchar(50),
  serviced_by_id            varchar(50),
  specifications            jsonb,
  custom_fields             jsonb,
  photos                    jsonb,
  documents                 jsonb,
  description               text,
  created_at                timestamptz not null default now(),
  updated_at                timestamptz not null default now(),
  created_by                varchar(50)
);
create index objects_owner_idx on cortex_entities.objects (current_owner_id);

create table cortex_entities.contact_phones (
  id                  uuid primary key default gen_random_uuid(),
  person_id           varchar(50) not null references cortex_entities.persons (id) on delete cascade,
  phone_number        varchar(50) not null,
  label               varchar(50) check (label in ('mobile', 'work', 'home', 'other')),
  is_primary          boolean not null default false,
  is_whatsapp_enabled boolean not null default false,
  created_at          timestamptz not null default now()
);
create index contact_phones_person_idx on cortex_entities.contact_phones (person_id);
create index contact_phones_normalized_idx on cortex_entities.contact_phones (cortex_foundation.normalize_phone(phone_number));

create table cortex_entities.contact_emails (
  id            uuid primary key default gen_random_uuid(),
  person_id     varchar(50) not null references cortex_entities.persons (id) on delete cascade,
  email_address varchar(255) not null,
  label         varchar(50) check (label in ('personal', 'work', 'other')),
  is_primary    boolean not null default false,
  created_at    timestamptz not null default now()
);
create index contact_emails_person_idx on cortex_entities.contact_emails (person_id);
create index contact_emails_address_idx on cortex_entities.contact_emails (lower(email_address));

create table cortex_entities.contact_addresses (
  id             uuid primary key default gen_random_uuid(),
  person_id      varchar(50) not null references cortex_entities.persons (id) on delete cascade,
  label          varchar(50),
  street_address text,
  city           varchar(100),
  state          varchar(100),
  postal_code    varchar(100),
  country        varchar(100),
  is_primary     boolean not null default false,
  created_at     timestamptz not null default now()
);
create index contact_addresses_person_idx on cortex_entities.contact_addresses (person_id);

create table cortex_entities.special_dates (
  id                   uuid primary key default gen_random_uuid(),
  person_id            varchar(50) not null references cortex_entities.persons (id) on delete cascade,
  event_name           varchar(255) not null,
  category             varchar(50) not null default 'other' check (category in ('birthday', 'anniversary', 'other')),
  event_day            integer not null check (event_day between 1 and 31),
  event_month          integer not null check (event_month between 1 and 12),
  original_year        integer,
  reminder_days_before integer,
  created_at           timestamptz not null default now()
);
create index special_dates_person_idx on cortex_entities.special_dates (person_id);
create index special_dates_calendar_idx on cortex_entities.special_dates (event_month, event_day);
