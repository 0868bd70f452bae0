// app.space_items → cortex_foundation.space_items; the transform: cortex_migration.tx_app_space_items.
import { defineTable } from '../../src/generate/spec.js';

/** app.space_items. */
export const appSpaceItems = defineTable({
  legacy: { schema: 'app', table: 'space_items', key: [{ name: 'id', type: 'integer' }] },
  target: { schema: 'cortex_foundation', table: 'space_items', idType: 'uuid' },
  contentType: 'space_items',
  columns: ['id', 'space_id', 'item_type', 'item_id', 'display_name', 'sort_order', 'added_at'],
  reads: ['id', 'space_id', 'item_type', 'item_id', 'display_name', 'sort_order', 'added_at'],
  plain: ['sort_order', 'added_at'],
  derived: {},
  references: [{ column: 'space_id', type: 'character varying(50)', parent: 'app.spaces' }],
  reverse: {
    columns: ['space_id', 'item_type', 'item_id', 'display_name', 'sort_order', 'added_at'],
    key: { kind: 'sequence' },
    canonical: {
      item_type: "person comes back as 'contact' (the forward's only renamed type), the others as they are",
      item_id: 'the legacy key of the item, mapped back from the target id through the legacy table its item_type names',
    },
  },
});
