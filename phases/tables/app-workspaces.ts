// app.workspaces → cortex_foundation.workspaces; the transform: cortex_migration.tx_app_workspaces.
import { defineTable } from '../../src/generate/spec.js';

/** app.workspaces. */
export const appWorkspaces = defineTable({
  legacy: { schema: 'app', table: 'workspaces', key: [{ name: 'workspace_id', type: 'integer' }] },
  target: { schema: 'cortex_foundation', table: 'workspaces', idType: 'uuid' },
  contentType: 'workspaces',
  columns: ['id', 'name', 'slug', 'owner_user_id', 'settings', 'created_at', 'updated_at'],
  reads: ['workspace_id', 'name', 'slug', 'owner_user_id', 'settings', 'created_at'],
  plain: ['settings'],
  derived: {},
  references: [{ column: 'owner_user_id', type: 'character varying(50)', parent: 'app.users' }],
  insertOnly: ['updated_at'],
  reverse: {
    columns: ['name', 'slug', 'owner_user_id', 'settings', 'created_at'],
    key: { kind: 'sequence' },
    canonical: {},
  },
});
