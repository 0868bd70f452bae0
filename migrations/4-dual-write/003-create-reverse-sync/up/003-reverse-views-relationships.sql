-- Reverse transforms of the relationship tables and the calendar (target row → legacy row; the
-- columns as in 001-reverse-views.sql). The forward transforms are in
-- migrations/3-backfill/003-create-transforms-crm and 004-create-transforms-work.
--
-- A reverse view yields only target rows the forward transform could have written: a value the
-- legacy row cannot hold, or that the forward transform of the legacy row would write differently,
-- is a problem, so the application's write fails with the reason instead of being undone by the
-- next legacy write of the row.

-- Which legacy table holds an entity_relationships row the application wrote (null: none). One rule
-- for the three link tables that share the target table, so no row can be claimed by two of them:
-- a works_for link from a person to a company is a membership, a member_of link from a person to
-- a group a group member, any other link between two persons a contact relationship. Links derived
-- from a task, note or event (metadata's derived_from) are their rows' business, not a table's.
create function cortex_migration.legacy_link_table(relationship_type text, from_entity_id text, to_entity_id text, metadata jsonb)
returns text language sql immutable parallel safe as $$
  select case when coalesce(metadata ? 'derived_from', false) or coalesce(left(from_entity_id, 3), '') <> 'cp_' then null
              when left(to_entity_id, 3) = 'cp_' then 'crm.contact_relationships'
              when left(to_entity_id, 3) = 'cc_' and relationship_type = 'works_for' then 'crm.contact_company_memberships'
              when left(to_entity_id, 3) = 'cg_' and relationship_type = 'member_of' then 'crm.group_members'
         end
$$;

-- The relationship types a contact relationship holds both ways (the forward transform's list in
-- tx_crm_contact_relationships: keep them equal).
create function cortex_migration.bidirectional_relationship(relationship_type text) returns boolean
language sql immutable parallel safe as $$ select relationship_type in ('spouse', 'friend_of', 'sibling_of', 'colleague_of') $$;

-- A jsonb string holding an ISO date (YYYY-MM-DD), as the date; null when it holds none (2024-02-30
-- too: the view names the problem instead of failing on a cast).
create function cortex_migration.jsonb_date(v jsonb) returns date
language sql immutable parallel safe as $$
  select case when s ~ '^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$' and left(s, 4) <> '0000' then
           case when to_char(make_date(left(s, 4)::integer, substr(s, 6, 2)::integer, 1) + (right(s, 2)::integer - 1), 'YYYY-MM-DD') = s
                then s::date end
         end
    from (select case when jsonb_typeof(v) = 'string' then v #>> '{}' end as s) x
$$;

-- A jsonb number of whole minutes ≥ 0 that fits an integer, as the integer; null when it is not one.
create function cortex_migration.jsonb_minutes(v jsonb) returns integer
language sql immutable parallel safe as $$
  select case when jsonb_typeof(v) = 'number' then
           case when v::numeric % 1 = 0 and v::numeric between 0 and 2147483647 then v::numeric::integer end
         end
$$;

-- Canonical legacy values where the forward transform is not one-to-one (docs/two-way-sync.md).

-- An attendee's response in the legacy vocabulary: pending was needs_action there (null too).
create function cortex_migration.legacy_response_status(target text) returns text
language sql immutable parallel safe as $$ select case target when 'pending' then 'needs_action' else target end $$;

-- An attendee's role in the legacy vocabulary: attendee was required there (null too).
create function cortex_migration.legacy_attendee_role(target text) returns text
language sql immutable parallel safe as $$ select case target when 'attendee' then 'required' else target end $$;

-- A row belongs to a link table when it is mapped to it (it stays its row: a change that makes it
-- another kind of link is a problem), or when it is not mapped at all and legacy_link_table names it.

create view cortex_migration.rx_crm_contact_company_memberships as
select r.id as _new_id, m.old_id as _old_id,
       case when cortex_migration.legacy_link_table(r.relationship_type, r.from_entity_id, r.to_entity_id, r.metadata) is distinct from 'crm.contact_company_memberships'
              then cortex_migration.invalid('a crm.contact_company_memberships row stays a works_for link from a person (cp_) to a company (cc_), without derived_from')
            when p.old_id is null then cortex_migration.missing('from_entity_id', r.from_entity_id, 'crm.contacts')
            when c.old_id is null then cortex_migration.missing('to_entity_id', r.to_entity_id, 'crm.companies')
            when r.metadata is not null and jsonb_typeof(r.metadata) <> 'object' then cortex_migration.invalid('metadata is not an object')
            when exists (select 1 from jsonb_object_keys(r.metadata) k where k not in ('title', 'started_at'))
              then cortex_migration.invalid('metadata keys other than title and started_at have no column in crm.contact_company_memberships: '
                                             || (select string_agg(k, ', ' order by k) from jsonb_object_keys(r.metadata) k where k not in ('title', 'started_at')))
            when coalesce(jsonb_typeof(r.metadata->'title'), 'null') not in ('string', 'null') then cortex_migration.invalid('metadata title is not a string')
            when coalesce(jsonb_typeof(r.metadata->'started_at'), 'null') <> 'null' and cortex_migration.jsonb_date(r.metadata->'started_at') is null
              then cortex_migration.invalid('metadata started_at is not a date (YYYY-MM-DD): ' || (r.metadata->'started_at')::text)
            when exists (select 1 from cortex_foundation.entity_relationships y where y.id = tk.new_id::uuid)
              then cortex_migration.invalid('crm.contact_company_memberships ' || tk.old_id || ' is already target row ' || tk.new_id)
       end as _problem,
       p.old_id::integer as contact_id, c.old_id::integer as company_id,
       r.metadata->>'title' as title, cortex_migration.jsonb_date(r.metadata->'started_at') as started_at, r.created_at
from cortex_foundation.entity_relationships r
left join cortex_migration.migration_mappings m on m.new_id = r.id::text and m.old_schema = 'crm' and m.old_table = 'contact_company_memberships'
left join cortex_migration.migration_mappings p on p.new_id = r.from_entity_id and p.old_schema = 'crm' and p.old_table = 'contacts'
left join cortex_migration.migration_mappings c on c.new_id = r.to_entity_id and c.old_schema = 'crm' and c.old_table = 'companies'
left join cortex_migration.migration_mappings tk on tk.old_schema = 'crm' and tk.old_table = 'contact_company_memberships'
      and tk.old_id = p.old_id || ':' || c.old_id and tk.new_id <> r.id::text
where m.old_id is not null
   or (cortex_migration.legacy_link_table(r.relationship_type, r.from_entity_id, r.to_entity_id, r.metadata) = 'crm.contact_company_memberships'
       and not exists (select 1 from cortex_migration.migration_mappings x where x.new_id = r.id::text));

create view cortex_migration.rx_crm_contact_relationships as
select r.id as _new_id, m.old_id as _old_id,
       case when cortex_migration.legacy_link_table(r.relationship_type, r.from_entity_id, r.to_entity_id, r.metadata) is distinct from 'crm.contact_relationships'
              then cortex_migration.invalid('a crm.contact_relationships row stays a link between two persons (cp_), without derived_from')
            when a.old_id is null then cortex_migration.missing('from_entity_id', r.from_entity_id, 'crm.contacts')
            when b.old_id is null then cortex_migration.missing('to_entity_id', r.to_entity_id, 'crm.contacts')
            when r.from_entity_id = r.to_entity_id then cortex_migration.invalid('relates a contact to itself')
            when r.relationship_type !~ '^[a-z][a-z_]{0,99}$'
              then cortex_migration.invalid('relationship_type ' || quote_literal(r.relationship_type) || ' is not lower-case letters and underscores')
            when r.is_bidirectional <> cortex_migration.bidirectional_relationship(r.relationship_type)
              then cortex_migration.invalid('is_bidirectional ' || r.is_bidirectional || ' disagrees with relationship_type ' || quote_literal(r.relationship_type)
                                             || ' (crm.contact_relationships has no column for it)')
       end as _problem,
       a.old_id::integer as contact_id, b.old_id::integer as related_contact_id, r.relationship_type::text as relationship_type, r.created_at
from cortex_foundation.entity_relationships r
left join cortex_migration.migration_mappings m on m.new_id = r.id::text and m.old_schema = 'crm' and m.old_table = 'contact_relationships'
left join cortex_migration.migration_mappings a on a.new_id = r.from_entity_id and a.old_schema = 'crm' and a.old_table = 'contacts'
left join cortex_migration.migration_mappings b on b.new_id = r.to_entity_id and b.old_schema = 'crm' and b.old_table = 'contacts'
where m.old_id is not null
   or (cortex_migration.legacy_link_table(r.relationship_type, r.from_entity_id, r.to_entity_id, r.metadata) = 'crm.contact_relationships'
       and not exists (select 1 from cortex_migration.migration_mappings x where x.new_id = r.id::text));

create view cortex_migration.rx_crm_group_members as
select r.id as _new_id, m.old_id as _old_id,
       case when cortex_migration.legacy_link_table(r.relationship_type, r.from_entity_id, r.to_entity_id, r.metadata) is distinct from 'crm.group_members'
              then cortex_migration.invalid('a crm.group_members row stays a member_of link from a person (cp_) to a group (cg_), without derived_from')
            when g.old_id is null then cortex_migration.missing('to_entity_id', r.to_entity_id, 'crm.groups')
            when p.old_id is null then cortex_migration.missing('from_entity_id', r.from_entity_id, 'crm.contacts')
            when exists (select 1 from cortex_foundation.entity_relationships y where y.id = tk.new_id::uuid)
              then cortex_migration.invalid('crm.group_members ' || tk.old_id || ' is already target row ' || tk.new_id)
       end as _problem,
       g.old_id::integer as group_id, p.old_id::integer as contact_id, r.created_at as added_at
from cortex_foundation.entity_relationships r
left join cortex_migration.migration_mappings m on m.new_id = r.id::text and m.old_schema = 'crm' and m.old_table = 'group_members'
left join cortex_migration.migration_mappings g on g.new_id = r.to_entity_id and g.old_schema = 'crm' and g.old_table = 'groups'
left join cortex_migration.migration_mappings p on p.new_id = r.from_entity_id and p.old_schema = 'crm' and p.old_table = 'contacts'
left join cortex_migration.migration_mappings tk on tk.old_schema = 'crm' and tk.old_table = 'group_members'
      and tk.old_id = g.old_id || ':' || p.old_id and tk.new_id <> r.id::text
where m.old_id is not null
   or (cortex_migration.legacy_link_table(r.relationship_type, r.from_entity_id, r.to_entity_id, r.metadata) = 'crm.group_members'
       and not exists (select 1 from cortex_migration.migration_mappings x where x.new_id = r.id::text));

-- An event's project, reminder and triggering message live in the links its forward transform
-- derives (content_type 'event', derived_from calendar.events), one of each at most.
create view cortex_migration.rx_calendar_events as
select e.id as _new_id, m.old_id as _old_id,
       case when e.organizer_id is not null and o.old_id is null then cortex_migration.missing('organizer_id', e.organizer_id, 'app.users')
            when e.created_by_id is distinct from e.organizer_id
              then cortex_migration.invalid('created_by_id differs from organizer_id (calendar.events has one organizer_user_id for both)')
            when e.is_recurring <> (e.recurrence_rule is not null) then cortex_migration.invalid('is_recurring disagrees with recurrence_rule')
            when e.end_time < e.start_time then cortex_migration.invalid('ends before it starts')
            when l.projects > 1 or l.reminders > 1 or l.messages > 1
              then cortex_migration.invalid('more than one event_of_project, reminder_before or triggered_by_message link (calendar.events holds one of each)')
            when l.projects = 1 and pj.old_id is null then cortex_migration.missing('event_of_project', l.project, 'crm.projects')
            when l.reminders = 1 and cortex_migration.jsonb_minutes(l.minutes) is null
              then cortex_migration.invalid('reminder_before minutes ' || coalesce(l.minutes::text, 'null') || ' is not a whole number of minutes ≥ 0')
            when l.messages = 1 and (l.channel is distinct from 'whatsapp' or msg.ref is distinct from l.message)
              then cortex_migration.invalid('triggered_by_message ' || coalesce(quote_literal(l.channel), 'null') || ' ' || coalesce(quote_literal(l.message), 'null')
                                             || ' is not a whatsapp message calendar.events can name by its message id')
       end as _problem,
       e.title::text as title, e.description, e.start_time, e.end_time, e.is_all_day, e.location::text as location, e.recurrence_rule,
       o.old_id::uuid as organizer_user_id, pj.old_id::integer as project_id, msg.message_id as triggering_message_id,
       cortex_migration.jsonb_minutes(l.minutes) as reminder_minutes, e.created_at, e.updated_at
from cortex_scheduling.events e
left join cortex_migration.migration_mappings m on m.new_id = e.id::text and m.old_schema = 'calendar' and m.old_table = 'events'
left join cortex_migration.migration_mappings o on o.new_id = e.organizer_id and o.old_schema = 'app' and o.old_table = 'users'
left join lateral (
  select count(*) filter (where x.relationship_type = 'event_of_project') as projects,
         min(x.from_entity_id) filter (where x.relationship_type = 'event_of_project') as project,
         count(*) filter (where x.relationship_type = 'reminder_before') as reminders,
         (array_agg(x.metadata->'minutes') filter (where x.relationship_type = 'reminder_before'))[1] as minutes,
         count(*) filter (where x.relationship_type = 'triggered_by_message') as messages,
         min(x.metadata->>'channel') filter (where x.relationship_type = 'triggered_by_message') as channel,
         min(x.metadata->>'message') filter (where x.relationship_type = 'triggered_by_message') as message
    from cortex_foundation.entity_relationships x
   where x.content_type = 'event' and x.content_id = e.id::text and x.metadata->>'derived_from' = 'calendar.events') l on true
left join cortex_migration.migration_mappings pj on pj.new_id = l.project and pj.old_schema = 'crm' and pj.old_table = 'projects'
-- The forward transform names a message id's first instance: the link must name that one.
left join lateral (select wm.message_id, wm.instance_name || ':' || wm.message_id as ref from whatsapp.messages wm
                   where wm.message_id = substr(l.message, strpos(l.message, ':') + 1) order by wm.instance_name limit 1) msg on true;

create view cortex_migration.rx_calendar_event_attendees as
select a.id as _new_id, m.old_id as _old_id,
       case when ev.old_id is null then cortex_migration.missing('event_id', a.event_id::text, 'calendar.events')
            when c.old_id is null then cortex_migration.missing('participant_id', a.participant_id, 'crm.contacts')
       end as _problem,
       ev.old_id::integer as event_id, c.old_id::integer as contact_id,
       cortex_migration.legacy_response_status(a.response_status) as response_status, cortex_migration.legacy_attendee_role(a.role) as role
from cortex_scheduling.event_participants a
left join cortex_migration.migration_mappings m on m.new_id = a.id::text and m.old_schema = 'calendar' and m.old_table = 'event_attendees'
left join cortex_migration.migration_mappings ev on ev.new_id = a.event_id::text and ev.old_schema = 'calendar' and ev.old_table = 'events'
left join cortex_migration.migration_mappings c on c.new_id = a.participant_id and c.old_schema = 'crm' and c.old_table = 'contacts';
