-- Transforms for projects, tasks, notes, events and attendees. A reference the target enforces with
-- a foreign key (a subtask's parent, an attendee's event) also needs the legacy row (see 002).

-- A legacy row's triggering_message_id is looked up in whatsapp.messages by a lateral join in each
-- view ('instance:message_id', or null when the message does not exist): planned with the view.

create function cortex_migration.norm(v text) returns text
language sql immutable parallel safe as $$ select nullif(lower(btrim(v)), '') $$;

create view cortex_migration.tx_crm_projects as
select p.project_id as _legacy_key, p.project_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when coalesce(cortex_migration.norm(p.status), 'planning') not in ('planning', 'active', 'on_hold', 'completed', 'cancelled') then cortex_migration.invalid('unknown status ' || quote_literal(p.status))
            when cortex_migration.norm(p.priority) not in ('low', 'medium', 'high', 'urgent') then cortex_migration.invalid('unknown priority ' || quote_literal(p.priority))
            when p.owner_user_id is not null and o.new_id is null then cortex_migration.missing('owner_user_id', p.owner_user_id::text, 'app.users')
            when p.client_company_id is not null and c.new_id is null then cortex_migration.missing('client_company_id', p.client_company_id::text, 'crm.companies')
            when p.space_id is not null and s.new_id is null then cortex_migration.missing('space_id', p.space_id::text, 'app.spaces')
            when length(p.name) > 255 then cortex_migration.invalid('name longer than 255 characters')
            when abs(p.budget) >= 1e13 then cortex_migration.invalid('budget does not fit numeric(15,2)')
       end as _problem,
       p.name as _entity_name,
       m.new_id as id, p.name, p.description, coalesce(cortex_migration.norm(p.status), 'planning')::varchar(50) as status,
       cortex_migration.norm(p.priority)::varchar(20) as priority, p.start_date, p.end_date, p.budget,
       o.new_id as owner_id, c.new_id as client_id, s.new_id as space_id, p.created_at, p.updated_at
from crm.projects p
left join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'projects' and m.old_id = p.project_id::text
left join cortex_migration.migration_mappings o on o.old_schema = 'app' and o.old_table = 'users' and o.old_id = p.owner_user_id::text
left join cortex_migration.migration_mappings c on c.old_schema = 'crm' and c.old_table = 'companies' and c.old_id = p.client_company_id::text
left join cortex_migration.migration_mappings s on s.old_schema = 'app' and s.old_table = 'spaces' and s.old_id = p.space_id::text;

-- Legacy task statuses in the target vocabulary (pending → todo; NULL means not started).
create function cortex_migration.task_status(legacy text) returns text
language sql immutable as $$
  select case coalesce(cortex_migration.norm(legacy), 'pending')
    when 'pending' then 'todo' when 'todo' then 'todo' when 'in_progress' then 'in_progress'
    when 'waiting' then 'waiting' when 'done' then 'done' when 'cancelled' then 'cancelled' end
$$;

create view cortex_migration.tx_crm_tasks as
select t.task_id as _legacy_key, t.task_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when cortex_migration.task_status(t.status) is null then cortex_migration.invalid('unknown status ' || quote_literal(t.status))
            when cortex_migration.norm(t.priority) not in ('low', 'medium', 'high', 'urgent') then cortex_migration.invalid('unknown priority ' || quote_literal(t.priority))
            when t.project_id is not null and pj.new_id is null then cortex_migration.missing('project_id', t.project_id::text, 'crm.projects')
            when t.assigned_contact_id is not null and a.new_id is null then cortex_migration.missing('assigned_contact_id', t.assigned_contact_id::text, 'crm.contacts')
            when t.parent_task_id is not null and (pt.new_id is null or lpt.task_id is null) then cortex_migration.missing('parent_task_id', t.parent_task_id::text, 'crm.tasks')
            when t.space_id is not null and s.new_id is null then cortex_migration.missing('space_id', t.space_id::text, 'app.spaces')
            when t.created_by is not null and u.new_id is null then cortex_migration.missing('created_by', t.created_by::text, 'app.users')
            when t.triggering_message_id is not null and msg.ref is null then cortex_migration.invalid('triggering_message_id ' || quote_literal(t.triggering_message_id) || ' is not in whatsapp.messages')
            when not cortex_migration.valid_tags(t.tags) then cortex_migration.invalid('tags is not an array of strings: ' || left(t.tags::text, 60))
            when length(t.title) > 500 then cortex_migration.invalid('title longer than 500 characters')
       end as _problem,
       t.tags as _tags,
       case when msg.ref is not null then jsonb_build_array(jsonb_build_object(
         'type', 'triggered_by_message', 'from', a.new_id,
         'meta', jsonb_build_object('channel', 'whatsapp', 'message', msg.ref))) else '[]'::jsonb end as _links,
       m.new_id::uuid as id, t.title, t.description, cortex_migration.task_status(t.status)::varchar(50) as status,
       cortex_migration.norm(t.priority)::varchar(20) as priority, t.due_date, t.completed_at,
       pt.new_id::uuid as parent_task_id, pj.new_id as project_id, u.new_id as created_by_id, a.new_id as assigned_to_id,
       s.new_id as space_id, t.tags, t.created_at, t.updated_at
from crm.tasks t
left join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'tasks' and m.old_id = t.task_id::text
left join cortex_migration.migration_mappings pj on pj.old_schema = 'crm' and pj.old_table = 'projects' and pj.old_id = t.project_id::text
left join cortex_migration.migration_mappings a on a.old_schema = 'crm' and a.old_table = 'contacts' and a.old_id = t.assigned_contact_id::text
left join cortex_migration.migration_mappings pt on pt.old_schema = 'crm' and pt.old_table = 'tasks' and pt.old_id = t.parent_task_id::text
left join cortex_migration.migration_mappings s on s.old_schema = 'app' and s.old_table = 'spaces' and s.old_id = t.space_id::text
left join cortex_migration.migration_mappings u on u.old_schema = 'app' and u.old_table = 'users' and u.old_id = t.created_by::text
left join crm.tasks lpt on lpt.task_id = t.parent_task_id
left join lateral (select wm.instance_name || ':' || wm.message_id as ref from whatsapp.messages wm
                   where wm.message_id = t.triggering_message_id order by wm.instance_name limit 1) msg on true;

create view cortex_migration.tx_crm_notes as
select n.note_id as _legacy_key, n.note_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when coalesce(cortex_migration.norm(n.format), 'markdown') not in ('markdown', 'plain', 'plain_text', 'html') then cortex_migration.invalid('unknown format ' || quote_literal(n.format))
            when n.contact_id is not null and c.new_id is null then cortex_migration.missing('contact_id', n.contact_id::text, 'crm.contacts')
            when n.project_id is not null and pj.new_id is null then cortex_migration.missing('project_id', n.project_id::text, 'crm.projects')
            when n.space_id is not null and s.new_id is null then cortex_migration.missing('space_id', n.space_id::text, 'app.spaces')
            when n.created_by is not null and u.new_id is null then cortex_migration.missing('created_by', n.created_by::text, 'app.users')
            when n.triggering_message_id is not null and msg.ref is null then cortex_migration.invalid('triggering_message_id ' || quote_literal(n.triggering_message_id) || ' is not in whatsapp.messages')
            when not cortex_migration.valid_tags(n.tags) then cortex_migration.invalid('tags is not an array of strings: ' || left(n.tags::text, 60))
            when length(n.title) > 255 then cortex_migration.invalid('title longer than 255 characters')
            when length(n.note_type) > 100 then cortex_migration.invalid('note_type longer than 100 characters')
       end as _problem,
       n.tags as _tags,
       (case when c.new_id is not null then jsonb_build_array(jsonb_build_object('type', 'note_about_person', 'from', c.new_id)) else '[]'::jsonb end
        || case when pj.new_id is not null then jsonb_build_array(jsonb_build_object('type', 'note_about_project', 'from', pj.new_id)) else '[]'::jsonb end
        || case when msg.ref is not null then jsonb_build_array(jsonb_build_object('type', 'triggered_by_message',
              'meta', jsonb_build_object('channel', 'whatsapp', 'message', msg.ref))) else '[]'::jsonb end) as _links,
       m.new_id::uuid as id, n.title, n.content, n.note_type,
       (case coalesce(cortex_migration.norm(n.format), 'markdown') when 'plain' then 'plain_text' else coalesce(cortex_migration.norm(n.format), 'markdown') end)::varchar(20) as format,
       u.new_id as created_by_id, s.new_id as space_id,
       coalesce(array_length(regexp_split_to_array(nullif(btrim(n.content), ''), '\s+'), 1), 0) as word_count,
       n.created_at, n.updated_at
from crm.notes n
left join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'notes' and m.old_id = n.note_id::text
left join cortex_migration.migration_mappings c on c.old_schema = 'crm' and c.old_table = 'contacts' and c.old_id = n.contact_id::text
left join cortex_migration.migration_mappings pj on pj.old_schema = 'crm' and pj.old_table = 'projects' and pj.old_id = n.project_id::text
left join cortex_migration.migration_mappings s on s.old_schema = 'app' and s.old_table = 'spaces' and s.old_id = n.space_id::text
left join cortex_migration.migration_mappings u on u.old_schema = 'app' and u.old_table = 'users' and u.old_id = n.created_by::text
left join lateral (select wm.instance_name || ':' || wm.message_id as ref from whatsapp.messages wm
                   where wm.message_id = n.triggering_message_id order by wm.instance_name limit 1) msg on true;

create view cortex_migration.tx_calendar_events as
select e.event_id as _legacy_key, e.event_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when e.end_time < e.start_time then cortex_migration.invalid('ends before it starts')
            when e.project_id is not null and pj.new_id is null then cortex_migration.missing('project_id', e.project_id::text, 'crm.projects')
            when e.organizer_user_id is not null and o.new_id is null then cortex_migration.missing('organizer_user_id', e.organizer_user_id::text, 'app.users')
            when e.triggering_message_id is not null and msg.ref is null then cortex_migration.invalid('triggering_message_id ' || quote_literal(e.triggering_message_id) || ' is not in whatsapp.messages')
            when e.reminder_minutes < 0 then cortex_migration.invalid('negative reminder_minutes')
            when length(e.title) > 255 then cortex_migration.invalid('title longer than 255 characters')
            when length(e.location) > 500 then cortex_migration.invalid('location longer than 500 characters')
       end as _problem,
       (case when pj.new_id is not null then jsonb_build_array(jsonb_build_object('type', 'event_of_project', 'from', pj.new_id)) else '[]'::jsonb end
        || case when msg.ref is not null then jsonb_build_array(jsonb_build_object('type', 'triggered_by_message',
              'meta', jsonb_build_object('channel', 'whatsapp', 'message', msg.ref))) else '[]'::jsonb end
        || case when e.reminder_minutes is not null then jsonb_build_array(jsonb_build_object('type', 'reminder_before',
              'meta', jsonb_build_object('minutes', e.reminder_minutes))) else '[]'::jsonb end) as _links,
       m.new_id::uuid as id, e.title, e.description, e.start_time, e.end_time, e.is_all_day, e.location, e.recurrence_rule,
       (e.recurrence_rule is not null) as is_recurring, o.new_id as organizer_id, o.new_id as created_by_id,
       'confirmed'::varchar(50) as status, e.created_at, e.updated_at
from calendar.events e
left join cortex_migration.migration_mappings m on m.old_schema = 'calendar' and m.old_table = 'events' and m.old_id = e.event_id::text
left join cortex_migration.migration_mappings pj on pj.old_schema = 'crm' and pj.old_table = 'projects' and pj.old_id = e.project_id::text
left join cortex_migration.migration_mappings o on o.old_schema = 'app' and o.old_table = 'users' and o.old_id = e.organizer_user_id::text
left join lateral (select wm.instance_name || ':' || wm.message_id as ref from whatsapp.messages wm
                   where wm.message_id = e.triggering_message_id order by wm.instance_name limit 1) msg on true;

create view cortex_migration.tx_calendar_event_attendees as
select a.event_id as _legacy_key, a.event_id::text || ':' || a.contact_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when ev.new_id is null or le.event_id is null then cortex_migration.missing('event_id', a.event_id::text, 'calendar.events')
            when p.new_id is null then cortex_migration.missing('contact_id', a.contact_id::text, 'crm.contacts')
            when coalesce(cortex_migration.norm(a.response_status), 'needs_action') not in ('needs_action', 'pending', 'accepted', 'declined', 'tentative') then cortex_migration.invalid('unknown response_status ' || quote_literal(a.response_status))
            when coalesce(cortex_migration.norm(a.role), 'required') not in ('required', 'attendee', 'optional', 'organizer') then cortex_migration.invalid('unknown role ' || quote_literal(a.role))
       end as _problem,
       m.new_id::uuid as id, ev.new_id::uuid as event_id, p.new_id as participant_id,
       (case coalesce(cortex_migration.norm(a.response_status), 'needs_action') when 'needs_action' then 'pending'
             else coalesce(cortex_migration.norm(a.response_status), 'needs_action') end)::varchar(20) as response_status,
       (case coalesce(cortex_migration.norm(a.role), 'required') when 'required' then 'attendee'
             else coalesce(cortex_migration.norm(a.role), 'required') end)::varchar(50) as role
from calendar.event_attendees a
left join cortex_migration.migration_mappings m on m.old_schema = 'calendar' and m.old_table = 'event_attendees' and m.old_id = a.event_id::text || ':' || a.contact_id::text
left join cortex_migration.migration_mappings ev on ev.old_schema = 'calendar' and ev.old_table = 'events' and ev.old_id = a.event_id::text
left join cortex_migration.migration_mappings p on p.old_schema = 'crm' and p.old_table = 'contacts' and p.old_id = a.contact_id::text
left join calendar.events le on le.event_id = a.event_id;
