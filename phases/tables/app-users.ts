// app.users → cortex_foundation.users; the transform: cortex_migration.tx_app_users.
import { defineTable } from '../../src/generate/spec.js';

/** app.users. */
export const appUsers = defineTable({
  legacy: { schema: 'app', table: 'users', key: [{ name: 'user_id', type: 'uuid' }] },
  target: { schema: 'cortex_foundation', table: 'users', idType: 'character varying(50)' },
  prefix: 'cu',
  contentType: 'users',
  columns: ['id', 'email', 'password_hash', 'full_name', 'first_name', 'last_name', 'is_email_verified', 'is_active', 'last_login_at', 'created_at', 'updated_at'],
  reads: ['user_id', 'email', 'password_hash', 'full_name', 'is_email_verified', 'is_active', 'last_login_at', 'created_at', 'updated_at'],
  plain: ['password_hash', 'is_email_verified', 'is_active', 'last_login_at'],
  derived: {},
  references: [],
});
