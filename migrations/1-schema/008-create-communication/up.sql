-- cortex_communication: the universal messaging tables for new channels, channel ↔ entity
-- links, and read-only views that present the whatsapp schema in the unified shape without
-- copying or touching it (views only read; whatsapp stays the source of truth).
create table cortex_communication.channels (
  id            uuid primary key default gen_random_uuid(),
  channel_type  varchar(20) not null check (channel_type in ('whatsapp', 'email', 'sms', 'telegram')),
  channel_name  varchar(255) not null,
  provider      varchar(100),
  configuration jsonb,
  user_id       varchar(50),
  is_active     boolean not null default true,
  created_at    timestamptz not null default now()
);

create table cortex_communication.conversations (
  id                      uuid primary key default gen_random_uuid(),
  channel_type            varchar(20) not null check (channel_type in ('whatsapp', 'email', 'sms', 'telegram')),
  channel_conversation_id varchar(255) not null,
  conversation_type       varchar(20) not null default 'individual' check (conversation_type in ('individual', 'group')),
  title                   varchar(255),
  participants            jsonb,
  last_message_at         timestamptz,
  is_archived             boolean not null default false,
  metadata                jsonb,
  created_at              timestamptz not null default now(),
  updated_at              timestamptz not null default now(),
  unique (channel_type, channel_conversation_id)
);

create table cortex_communication.messages_unified (
  id                 uuid primary key default gen_random_uuid(),
  conversation_id    uuid not null references cortex_communication.conversations (id) on delete cascade,
  channel_type       varchar(20) not null check (channel_type in ('whatsapp', 'email', 'sms', 'telegram')),
  channel_message_id varchar(255) not null,
  sender_identifier  varchar(255),
  sender_entity_id   varchar(50),
  content            text,
  message_type       varchar(20) not null default 'text' check (message_type in ('text', 'image', 'video', 'audio', 'file')),
  direction          varchar(10) not null check (direction in ('inbound', 'outbound')),
  status             varchar(20) check (status in ('sent', 'delivered', 'read', 'failed')),
  "timestamp"        timestamptz not null,
  metadata           jsonb,
  created_at         timestamptz not null default now(),
  unique (channel_type, channel_message_id)
);
create index messages_unified_conversation_idx on cortex_communication.messages_unified (conversation_id, "timestamp");
create index messages_unified_sender_idx on cortex_communication.messages_unified (sender_entity_id, "timestamp");

create table cortex_communication.participants (
  id                 uuid primary key default gen_random_uuid(),
  conversation_id    uuid not null references cortex_communication.conversations (id) on delete cascade,
  entity_id          varchar(50),
  channel_identifier varchar(255) not null,
  display_name       varchar(255),
  role               varchar(50) not null default 'participant' check (role in ('participant', 'admin', 'moderator')),
  joined_at          timestamptz,
  unique (conversation_id, channel_identifier)
);
create index participants_entity_idx on cortex_communication.participants (entity_id);

create table cortex_communication.channel_entity_links (
  id                uuid primary key default gen_random_uuid(),
  channel_type      varchar(20) not null check (channel_type in ('whatsapp', 'email', 'sms', 'telegram')),
  channel_record_id varchar(255) not null,
  entity_id         varchar(50) not null,
  relationship_type varchar(50) not null,
  created_at        timestamptz not null default now(),
  unique (channel_type, channel_record_id, entity_id, relationship_type)
);
create index channel_entity_links_entity_idx on cortex_communication.channel_entity_links (entity_id);

-- Unified read-only views. WhatsApp rows get stable ids derived from their natural keys.
create view cortex_communication.whatsapp_conversations as
select md5('whatsapp:chat:' || c.instance_name || ':' || c.chat_id)::uuid as id,
       'whatsapp'::varchar(20) as channel_type,
       (c.instance_name || ':' || c.chat_id)::varchar(255) as channel_conversation_id,
       (case when c.is_group then 'group' else 'individual' end)::varchar(20) as conversation_type,
       c.name::varchar(255) as title,
       c.last_message_at,
       c.instance_name
from whatsapp.chats c;

create view cortex_communication.whatsapp_messages as
select md5('whatsapp:message:' || m.instance_name || ':' || m.message_id)::uuid as id,
       md5('whatsapp:chat:' || m.instance_name || ':' || m.chat_id)::uuid as conversation_id,
       'whatsapp'::varchar(20) as channel_type,
       (m.instance_name || ':' || m.message_id)::varchar(255) as channel_message_id,
       m.sender_jid::varchar(255) as sender_identifier,
       l.entity_id as sender_entity_id,
       m.content,
       (case m.message_type when 'text' then 'text' when 'image' then 'image' when 'video' then 'video'
                            when 'audio' then 'audio' else 'file' end)::varchar(20) as message_type,
       (case when m.is_from_me then 'outbound' else 'inbound' end)::varchar(10) as direction,
       m."timestamp",
       exists (select 1 from whatsapp.message_deletions d
               where d.instance_name = m.instance_name and d.message_id = m.message_id) as is_deleted
from whatsapp.messages m
left join cortex_communication.channel_entity_links l
  on l.channel_type = 'whatsapp' and l.relationship_type = 'contact_of'
 and l.channel_record_id = m.instance_name || ':' || m.sender_jid;

create view cortex_communication.whatsapp_participants as
select md5('whatsapp:participant:' || p.instance_name || ':' || p.group_jid || ':' || p.participant_jid)::uuid as id,
       md5('whatsapp:chat:' || p.instance_name || ':' || p.group_jid)::uuid as conversation_id,
       l.entity_id,
       p.participant_jid::varchar(255) as channel_identifier,
       wc.push_name::varchar(255) as display_name,
       (case when p.is_admin then 'admin' else 'participant' end)::varchar(50) as role
from whatsapp.group_participants p
left join whatsapp.contacts wc on wc.instance_name = p.instance_name and wc.jid = p.participant_jid
left join cortex_communication.channel_entity_links l
  on l.channel_type = 'whatsapp' and l.relationship_type = 'contact_of'
 and l.channel_record_id = p.instance_name || ':' || p.participant_jid;

-- Every conversation and message, whichever channel it came from.
create view cortex_communication.all_conversations as
select id, channel_type, channel_conversation_id, conversation_type, title, last_message_at
from cortex_communication.conversations
union all
select id, channel_type, channel_conversation_id, conversation_type, title, last_message_at
from cortex_communication.whatsapp_conversations;

create view cortex_communication.all_messages as
select id, conversation_id, channel_type, channel_message_id, sender_identifier, sender_entity_id,
       content, message_type, direction, "timestamp"
from cortex_communication.messages_unified
union all
select id, conversation_id, channel_type, channel_message_id, sender_identifier, sender_entity_id,
       content, message_type, direction, "timestamp"
from cortex_communication.whatsapp_messages;
