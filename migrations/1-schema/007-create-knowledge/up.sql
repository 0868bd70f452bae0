-- cortex_knowledge: notes, documents, folders, bookmarks.
create table cortex_knowledge.notes (
  id                   uuid primary key default gen_random_uuid(),
  title                varchar(255),
  content              text,
  note_type            varchar(100),
  format               varchar(20) not null default 'markdown' check (format in ('markdown', 'html', 'plain_text')),
  created_by_id        varchar(50),
  space_id             varchar(50),
  is_pinned            boolean not null default false,
  is_archived          boolean not null default false,
  word_count           integer,
  reading_time_minutes integer,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now()
);
create index notes_space_idx on cortex_knowledge.notes (space_id, updated_at);
create index notes_author_idx on cortex_knowledge.notes (created_by_id, updated_at);

create table cortex_knowledge.documents (
  id                 uuid primary key default gen_random_uuid(),
  filename           varchar(500) not null,
  original_filename  varchar(500),
  title              varchar(255),
  description        text,
  file_size          bigint,
  mime_type          varchar(100),
  file_extension     varchar(10),
  storage_path       varchar(1000),
  storage_provider   varchar(50),
  external_file_id   varchar(255),
  text_content       text,
  thumbnail_url      varchar(500),
  version            integer not null default 1,
  parent_document_id uuid references cortex_knowledge.documents (id),
  created_by_id      varchar(50),
  space_id           varchar(50),
  is_deleted         boolean not null default false,
  deleted_at         timestamptz,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now()
);
create index documents_space_idx on cortex_knowledge.documents (space_id) where not is_deleted;

create table cortex_knowledge.folders (
  id               uuid primary key default gen_random_uuid(),
  name             varchar(255) not null,
  parent_folder_id uuid references cortex_knowledge.folders (id) on delete cascade,
  space_id         varchar(50),
  created_by_id    varchar(50),
  created_at       timestamptz not null default now()
);

create table cortex_knowledge.bookmarks (
  id            uuid primary key default gen_random_uuid(),
  title         varchar(255),
  url           varchar(1000) not null,
  description   text,
  favicon_url   varchar(500),
  created_by_id varchar(50),
  space_id      varchar(50),
  created_at    timestamptz not null default now()
);
