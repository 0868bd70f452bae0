// app.spaces → cortex_foundation.spaces; the transform: cortex_migration.tx_app_spaces.
import { defineTable } from '../../src/generate/spec.js';

/** app.spaces. */
export const appSpaces = defineTable({
  legacy: { schema: 'app', table: 'spaces', key: [{ name: 'space_id', type: 'integer' }] },
  target: { schema: 'cortex_foundation', table: 'spaces', idType: 'character varying(50)' },
  prefix: 'cs',
  contentType: 'spaces',
  columns: ['id', 'name', 'description', 'parent_space_id', 'space_type', 'category', 'owner_user_id', 'color', 'icon', 'is_archived', 'sort_order', 'custom_fields', 'created_at', 'updated_at'],
  reads: ['space_id', 'workspace_id', 'parent_space_id', 'name', 'description', 'space_type', 'color', 'icon', 'is_archived', 'sort_order', 'owner_user_id', 'created_at', 'updated_at'],
  plain: ['description', 'icon', 'is_archived', 'sort_order'],
  derived: {},
  references: [{ column: 'owner_user_id', type: 'character varying(50)', parent: 'app.users' }, { column: 'parent_space_id', type: 'character varying(50)', parent: 'app.spaces' }],
  reverse: {
    columns: ['workspace_id', 'parent_space_id', 'name', 'description', 'space_type', 'color', 'icon', 'is_archived', 'sort_order',
      'owner_user_id', 'created_at', 'updated_at'],
    key: { kind: 'sequence' },
    canonical: {
      space_type: 'the legacy value the forward kept in category while it still maps to the target space_type, else the target value (folder, project, shared, archive: each a legacy value mapping to itself)',
      workspace_id: "from custom_fields.workspace_id (where the forward puts it), mapped back to app.workspaces",
    },
  },
});
