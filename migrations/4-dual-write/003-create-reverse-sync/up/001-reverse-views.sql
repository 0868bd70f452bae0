-- Reverse transforms: one view per legacy table with a way back, target row → legacy row.
-- Columns: _new_id (the target id), _old_id (its legacy key from the mapping; null for a row the
-- application created on the target), _problem (why it cannot go back: the row's write fails with
-- it), then the legacy columns the reverse writes, in canonical legacy values. References go back
-- through the mapping: a target reference whose row has no legacy row yet is a problem.

create view cortex_migration.rx_crm_tasks as
select t.id as _new_id, m.old_id as _old_id,
       case when t.parent_task_id is not null and pt.old_id is null then cortex_migration.missing('parent_task_id', t.parent_task_id::text, 'crm.tasks')
            when t.project_id is not null and pj.old_id is null then cortex_migration.missing('project_id', t.project_id, 'crm.projects')
            when t.assigned_to_id is not null and a.old_id is null then cortex_migration.missing('assigned_to_id', t.assigned_to_id, 'crm.contacts')
            when t.created_by_id is not null and u.old_id is null then cortex_migration.missing('created_by_id', t.created_by_id, 'app.users')
            when t.space_id is not null and s.old_id is null then cortex_migration.missing('space_id', t.space_id, 'app.spaces')
       end as _problem,
       t.title::text as title, t.description, cortex_migration.legacy_task_status(t.status) as status, t.priority::text as priority,
       t.due_date, pt.old_id::integer as parent_task_id, pj.old_id::integer as project_id, a.old_id::integer as assigned_contact_id,
       u.old_id::uuid as created_by, t.tags, s.old_id::integer as space_id, t.created_at, t.updated_at, t.completed_at
from cortex_projects.tasks t
left join cortex_migration.migration_mappings m on m.new_id = t.id::text and m.old_schema = 'crm' and m.old_table = 'tasks'
left join cortex_migration.migration_mappings pt on pt.new_id = t.parent_task_id::text and pt.old_schema = 'crm' and pt.old_table = 'tasks'
left join cortex_migration.migration_mappings pj on pj.new_id = t.project_id and pj.old_schema = 'crm' and pj.old_table = 'projects'
left join cortex_migration.migration_mappings a on a.new_id = t.assigned_to_id and a.old_schema = 'crm' and a.old_table = 'contacts'
left join cortex_migration.migration_mappings u on u.new_id = t.created_by_id and u.old_schema = 'app' and u.old_table = 'users'
left join cortex_migration.migration_mappings s on s.new_id = t.space_id and s.old_schema = 'app' and s.old_table = 'spaces';
