drop view cortex_migration.tx_app_space_items;
drop function cortex_migration.space_item_source(text);
drop view cortex_migration.tx_app_spaces;
drop function cortex_migration.space_type(text);
drop view cortex_migration.tx_app_workspace_members;
drop view cortex_migration.tx_app_workspaces;
drop view cortex_migration.tx_app_users;
