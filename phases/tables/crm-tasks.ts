// crm.tasks → cortex_projects.tasks; the transform: cortex_migration.tx_crm_tasks.
import { defineTable } from '../../src/generate/spec.js';

/** crm.tasks. */
export const crmTasks = defineTable({
  legacy: { schema: 'crm', table: 'tasks', key: [{ name: 'task_id', type: 'integer' }] },
  target: { schema: 'cortex_projects', table: 'tasks', idType: 'uuid' },
  contentType: 'task',
  columns: ['id', 'title', 'description', 'status', 'priority', 'due_date', 'completed_at', 'parent_task_id', 'project_id', 'created_by_id', 'assigned_to_id', 'space_id', 'tags', 'created_at', 'updated_at'],
  tags: { from: 'tags' },
  links: true,
  reads: ['task_id', 'title', 'description', 'status', 'priority', 'due_date', 'parent_task_id', 'project_id', 'assigned_contact_id', 'created_by', 'triggering_message_id', 'tags', 'space_id', 'created_at', 'updated_at', 'completed_at'],
  plain: ['description', 'due_date', 'completed_at', 'updated_at'],
  derived: { status: 'cortex_migration.task_status(%s)' },
  references: [{ column: 'parent_task_id', type: 'uuid', parent: 'crm.tasks' }],
  reverse: {
    columns: ['title', 'description', 'status', 'priority', 'due_date', 'parent_task_id', 'project_id', 'assigned_contact_id',
      'created_by', 'tags', 'space_id', 'created_at', 'updated_at', 'completed_at'],
    key: { kind: 'sequence' },
    canonical: {
      status: "todo comes back as 'pending' (the forward transform maps null, pending and todo to todo)",
      priority: 'comes back lower-cased and trimmed, as the target holds it',
    },
  },
});
