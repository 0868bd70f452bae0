drop view cortex_migration.rx_app_space_items;
drop view cortex_migration.rx_app_spaces;
drop view cortex_migration.rx_app_workspace_members;
drop view cortex_migration.rx_app_workspaces;
drop view cortex_migration.rx_app_users;
drop function cortex_migration.legacy_space_item_type(text);
drop function cortex_migration.legacy_space_type(text, text);
drop function cortex_migration.legacy_full_name(text, text, text);
