-- Transforms (legacy row → target row) for app.*, defined once; see 001 for the view contract.
-- References go through the phase-2 mapping; a reference that resolves to nothing is a problem.
-- A reference the target enforces with a foreign key (target_edges, in 007) also needs the legacy
-- row itself: a mapping outlives its legacy row (so a re-inserted row gets its id back), and a row
-- left pointing at a deleted one must wait for it in quarantine ("... has no <table> row", which
-- its return retries), not fail on the target's key. Other references keep stale mappings.

create view cortex_migration.tx_app_users as
select u.user_id as _legacy_key, u.user_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when u.email is null or btrim(u.email) = '' then cortex_migration.invalid('email is empty')
            when length(u.email) > 255 then cortex_migration.invalid('email longer than 255 characters')
            when length(u.full_name) > 255 then cortex_migration.invalid('full_name longer than 255 characters')
       end as _problem,
       u.full_name as _entity_name,
       m.new_id as id, u.email, u.password_hash, u.full_name,
       left(nullif(split_part(btrim(u.full_name), ' ', 1), ''), 100) as first_name,
       left(nullif(btrim(substr(btrim(u.full_name), length(split_part(btrim(u.full_name), ' ', 1)) + 1)), ''), 100) as last_name,
       u.is_email_verified, u.is_active, u.last_login_at, u.created_at, u.updated_at
from app.users u
left join cortex_migration.migration_mappings m on m.old_schema = 'app' and m.old_table = 'users' and m.old_id = u.user_id::text;

create view cortex_migration.tx_app_workspaces as
select w.workspace_id as _legacy_key, w.workspace_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when w.owner_user_id is not null and (o.new_id is null or ou.user_id is null) then cortex_migration.missing('owner_user_id', w.owner_user_id::text, 'app.users')
            when length(w.name) > 255 then cortex_migration.invalid('name longer than 255 characters')
            when length(w.slug) > 100 then cortex_migration.invalid('slug longer than 100 characters')
       end as _problem,
       m.new_id::uuid as id, w.name, w.slug, o.new_id as owner_user_id, w.settings, w.created_at, w.created_at as updated_at
from app.workspaces w
left join cortex_migration.migration_mappings m on m.old_schema = 'app' and m.old_table = 'workspaces' and m.old_id = w.workspace_id::text
left join cortex_migration.migration_mappings o on o.old_schema = 'app' and o.old_table = 'users' and o.old_id = w.owner_user_id::text
left join app.users ou on ou.user_id = w.owner_user_id;

create view cortex_migration.tx_app_workspace_members as
select wm.workspace_id as _legacy_key, wm.workspace_id::text || ':' || wm.user_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when w.new_id is null or lw.workspace_id is null then cortex_migration.missing('workspace_id', wm.workspace_id::text, 'app.workspaces')
            when u.new_id is null or lu.user_id is null then cortex_migration.missing('user_id', wm.user_id::text, 'app.users')
            when lower(btrim(coalesce(wm.role, 'member'))) not in ('owner', 'admin', 'member', 'viewer') then cortex_migration.invalid('unknown role ' || quote_literal(wm.role))
       end as _problem,
       m.new_id::uuid as id, w.new_id::uuid as workspace_id, u.new_id as user_id,
       lower(btrim(coalesce(wm.role, 'member')))::varchar(20) as role, 'active'::varchar(20) as status, wm.joined_at
from app.workspace_members wm
left join cortex_migration.migration_mappings m on m.old_schema = 'app' and m.old_table = 'workspace_members' and m.old_id = wm.workspace_id::text || ':' || wm.user_id::text
left join cortex_migration.migration_mappings w on w.old_schema = 'app' and w.old_table = 'workspaces' and w.old_id = wm.workspace_id::text
left join cortex_migration.migration_mappings u on u.old_schema = 'app' and u.old_table = 'users' and u.old_id = wm.user_id::text
left join app.workspaces lw on lw.workspace_id = wm.workspace_id
left join app.users lu on lu.user_id = wm.user_id;

-- Legacy space types become the target vocabulary (folder, project, shared, archive).
create function cortex_migration.space_type(legacy text) returns text
language sql immutable as $$
  select case lower(btrim(legacy)) when 'area' then 'folder' when 'personal' then 'folder' when 'folder' then 'folder'
                                   when 'project' then 'project' when 'team' then 'shared' when 'shared' then 'shared'
                                   when 'archive' then 'archive' end
$$;

create view cortex_migration.tx_app_spaces as
select s.space_id as _legacy_key, s.space_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when s.parent_space_id is not null and (p.new_id is null or lp.space_id is null) then cortex_migration.missing('parent_space_id', s.parent_space_id::text, 'app.spaces')
            when s.owner_user_id is not null and (o.new_id is null or lo.user_id is null) then cortex_migration.missing('owner_user_id', s.owner_user_id::text, 'app.users')
            when s.workspace_id is not null and w.new_id is null then cortex_migration.missing('workspace_id', s.workspace_id::text, 'app.workspaces')
            when s.space_type is not null and cortex_migration.space_type(s.space_type) is null then cortex_migration.invalid('unknown space_type ' || quote_literal(s.space_type))
            when length(s.name) > 255 then cortex_migration.invalid('name longer than 255 characters')
            when length(s.color) > 7 then cortex_migration.invalid('color longer than 7 characters')
       end as _problem,
       s.name as _entity_name,
       m.new_id as id, s.name, s.description, p.new_id as parent_space_id, cortex_migration.space_type(s.space_type) as space_type,
       s.space_type as category, o.new_id as owner_user_id, s.color, s.icon, s.is_archived, s.sort_order,
       case when w.new_id is null then null else jsonb_build_object('workspace_id', w.new_id) end as custom_fields,
       s.created_at, s.updated_at
from app.spaces s
left join cortex_migration.migration_mappings m on m.old_schema = 'app' and m.old_table = 'spaces' and m.old_id = s.space_id::text
left join cortex_migration.migration_mappings p on p.old_schema = 'app' and p.old_table = 'spaces' and p.old_id = s.parent_space_id::text
left join cortex_migration.migration_mappings o on o.old_schema = 'app' and o.old_table = 'users' and o.old_id = s.owner_user_id::text
left join cortex_migration.migration_mappings w on w.old_schema = 'app' and w.old_table = 'workspaces' and w.old_id = s.workspace_id::text
left join app.spaces lp on lp.space_id = s.parent_space_id
left join app.users lo on lo.user_id = s.owner_user_id;

-- Which legacy table a space item's item_type points at, and its name in the target.
create function cortex_migration.space_item_source(item_type text, out old_schema text, out old_table text, out new_type text)
language sql immutable as $$
  select case item_type when 'event' then 'calendar' when 'task' then 'crm' when 'note' then 'crm'
                        when 'contact' then 'crm' when 'project' then 'crm' end,
         case item_type when 'event' then 'events' when 'task' then 'tasks' when 'note' then 'notes'
                        when 'contact' then 'contacts' when 'project' then 'projects' end,
         case item_type when 'contact' then 'person' when 'event' then 'event' when 'task' then 'task'
                        when 'note' then 'note' when 'project' then 'project' end
$$;

create view cortex_migration.tx_app_space_items as
select i.id as _legacy_key, i.id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when sp.new_id is null or ls.space_id is null then cortex_migration.missing('space_id', i.space_id::text, 'app.spaces')
            when src.old_table is null then cortex_migration.invalid('item_type ' || quote_literal(i.item_type) || ' has no legacy table to follow')
            when it.new_id is null then cortex_migration.invalid('item ' || i.item_type || ' ' || quote_literal(i.item_id) || ' does not exist in ' || src.old_schema || '.' || src.old_table)
            when length(i.display_name) > 255 then cortex_migration.invalid('display_name longer than 255 characters')
       end as _problem,
       m.new_id::uuid as id, sp.new_id as space_id, src.new_type::varchar(50) as item_type, it.new_id as item_id,
       i.display_name, i.sort_order, i.added_at
from app.space_items i
cross join lateral cortex_migration.space_item_source(i.item_type) src
left join cortex_migration.migration_mappings m on m.old_schema = 'app' and m.old_table = 'space_items' and m.old_id = i.id::text
left join cortex_migration.migration_mappings sp on sp.old_schema = 'app' and sp.old_table = 'spaces' and sp.old_id = i.space_id::text
left join app.spaces ls on ls.space_id = i.space_id
left join cortex_migration.migration_mappings it on it.old_schema = src.old_schema and it.old_table = src.old_table and it.old_id = i.item_id;
