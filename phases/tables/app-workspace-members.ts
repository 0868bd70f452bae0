// app.workspace_members → cortex_foundation.workspace_members; the transform: cortex_migration.tx_app_workspace_members.
import { defineTable } from '../../src/generate/spec.js';

/** app.workspace_members. */
export const appWorkspaceMembers = defineTable({
  legacy: { schema: 'app', table: 'workspace_members', key: [{ name: 'workspace_id', type: 'integer' }, { name: 'user_id', type: 'uuid' }] },
  target: { schema: 'cortex_foundation', table: 'workspace_members', idType: 'uuid' },
  contentType: 'workspace_members',
  columns: ['id', 'workspace_id', 'user_id', 'role', 'status', 'joined_at'],
  reads: ['workspace_id', 'user_id', 'role', 'joined_at'],
  plain: [],
  derived: {},
  references: [{ column: 'user_id', type: 'character varying(50)', parent: 'app.users' }, { column: 'workspace_id', type: 'uuid', parent: 'app.workspaces' }],
  insertOnly: ['status'],
  reverse: {
    columns: ['role', 'joined_at'],
    key: { kind: 'columns' },
    canonical: {
      role: "comes back as the target holds it, lower-case (the forward maps null to 'member' and lower-cases and trims the rest)",
    },
  },
});
