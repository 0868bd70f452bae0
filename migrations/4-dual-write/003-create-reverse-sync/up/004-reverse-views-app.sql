-- Reverse transforms of app.* (target row → legacy row); the view contract is in 001-reverse-views.sql.
-- Each view reads its target table and migration_mappings only; references go back through the
-- mapping by new_id, and a target reference with no legacy row is a problem (the write fails).

-- Canonical legacy values where the forward transform (002-create-transforms-foundation) is not
-- one-to-one (docs/two-way-sync.md).

-- A user's full_name: the forward derives first_name and last_name from it, so it is what goes
-- back; a target user with none (only first and last name) gets them joined by a space.
create function cortex_migration.legacy_full_name(full_name text, first_name text, last_name text) returns text
language sql immutable parallel safe as $$
  select coalesce(full_name, nullif(concat_ws(' ', nullif(btrim(first_name), ''), nullif(btrim(last_name), '')), ''))
$$;

-- A space's legacy space_type: the forward keeps the legacy value in category, so that value comes
-- back while it still maps to the target space_type; otherwise the target value itself, which is
-- also a legacy value mapping to itself (space_type() is the identity on the target vocabulary).
create function cortex_migration.legacy_space_type(space_type text, category text) returns text
language sql immutable parallel safe as $$
  select case when cortex_migration.space_type(category) = space_type then category else space_type end
$$;

-- A space item's legacy item_type and the legacy table its item_id is a key of, from the target's
-- item_type: the inverse of space_item_source() over the legacy vocabulary (all nulls: none).
create function cortex_migration.legacy_space_item_type(target_type text, out item_type text, out old_schema text, out old_table text)
language sql immutable parallel safe as $$
  select l, s.old_schema, s.old_table
    from unnest(array['event', 'task', 'note', 'contact', 'project']) l
   cross join lateral cortex_migration.space_item_source(l) s
   where s.new_type = target_type
$$;

create view cortex_migration.rx_app_users as
select u.id as _new_id, m.old_id as _old_id, null::jsonb as _problem,
       u.email::text as email, u.password_hash::text as password_hash,
       cortex_migration.legacy_full_name(u.full_name, u.first_name, u.last_name) as full_name,
       u.is_email_verified, u.is_active, u.last_login_at, u.created_at, u.updated_at
from cortex_foundation.users u
left join cortex_migration.migration_mappings m on m.new_id = u.id::text and m.old_schema = 'app' and m.old_table = 'users';

create view cortex_migration.rx_app_workspaces as
select w.id as _new_id, m.old_id as _old_id,
       case when w.owner_user_id is not null and o.old_id is null then cortex_migration.missing('owner_user_id', w.owner_user_id, 'app.users')
       end as _problem,
       w.name::text as name, w.slug::text as slug, o.old_id::uuid as owner_user_id, w.settings, w.created_at
from cortex_foundation.workspaces w
left join cortex_migration.migration_mappings m on m.new_id = w.id::text and m.old_schema = 'app' and m.old_table = 'workspaces'
left join cortex_migration.migration_mappings o on o.new_id = w.owner_user_id and o.old_schema = 'app' and o.old_table = 'users';

-- A composite key: the key columns come first, mapped back from the member's references.
create view cortex_migration.rx_app_workspace_members as
select wm.id as _new_id, m.old_id as _old_id,
       case when w.old_id is null then cortex_migration.missing('workspace_id', wm.workspace_id::text, 'app.workspaces')
            when u.old_id is null then cortex_migration.missing('user_id', wm.user_id, 'app.users')
       end as _problem,
       w.old_id::integer as workspace_id, u.old_id::uuid as user_id, wm.role::text as role, wm.joined_at
from cortex_foundation.workspace_members wm
left join cortex_migration.migration_mappings m on m.new_id = wm.id::text and m.old_schema = 'app' and m.old_table = 'workspace_members'
left join cortex_migration.migration_mappings w on w.new_id = wm.workspace_id::text and w.old_schema = 'app' and w.old_table = 'workspaces'
left join cortex_migration.migration_mappings u on u.new_id = wm.user_id and u.old_schema = 'app' and u.old_table = 'users';

-- The workspace lives in custom_fields.workspace_id (the forward puts it there).
create view cortex_migration.rx_app_spaces as
select s.id as _new_id, m.old_id as _old_id,
       case when s.custom_fields->>'workspace_id' is not null and w.old_id is null then cortex_migration.missing('workspace_id', s.custom_fields->>'workspace_id', 'app.workspaces')
            when s.parent_space_id is not null and p.old_id is null then cortex_migration.missing('parent_space_id', s.parent_space_id, 'app.spaces')
            when s.owner_user_id is not null and o.old_id is null then cortex_migration.missing('owner_user_id', s.owner_user_id, 'app.users')
       end as _problem,
       w.old_id::integer as workspace_id, p.old_id::integer as parent_space_id, s.name::text as name, s.description,
       cortex_migration.legacy_space_type(s.space_type, s.category) as space_type, s.color::text as color, s.icon::text as icon,
       s.is_archived, s.sort_order, o.old_id::uuid as owner_user_id, s.created_at, s.updated_at
from cortex_foundation.spaces s
left join cortex_migration.migration_mappings m on m.new_id = s.id and m.old_schema = 'app' and m.old_table = 'spaces'
left join cortex_migration.migration_mappings w on w.new_id = s.custom_fields->>'workspace_id' and w.old_schema = 'app' and w.old_table = 'workspaces'
left join cortex_migration.migration_mappings p on p.new_id = s.parent_space_id and p.old_schema = 'app' and p.old_table = 'spaces'
left join cortex_migration.migration_mappings o on o.new_id = s.owner_user_id and o.old_schema = 'app' and o.old_table = 'users';

-- item_id holds the target id of a row of another table: back to that row's legacy key, found in
-- the legacy table the item_type names.
create view cortex_migration.rx_app_space_items as
select i.id as _new_id, m.old_id as _old_id,
       case when sp.old_id is null then cortex_migration.missing('space_id', i.space_id, 'app.spaces')
            when src.item_type is null then cortex_migration.invalid('item_type ' || quote_literal(i.item_type) || ' has no legacy table to follow')
            when it.old_id is null then cortex_migration.missing('item_id', i.item_id, src.old_schema || '.' || src.old_table)
       end as _problem,
       sp.old_id::integer as space_id, src.item_type, it.old_id as item_id, i.display_name::text as display_name, i.sort_order, i.added_at
from cortex_foundation.space_items i
cross join lateral cortex_migration.legacy_space_item_type(i.item_type) src
left join cortex_migration.migration_mappings m on m.new_id = i.id::text and m.old_schema = 'app' and m.old_table = 'space_items'
left join cortex_migration.migration_mappings sp on sp.new_id = i.space_id and sp.old_schema = 'app' and sp.old_table = 'spaces'
left join cortex_migration.migration_mappings it on it.new_id = i.item_id and it.old_schema = src.old_schema and it.old_table = src.old_table;
