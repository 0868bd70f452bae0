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
  reverse: {
    columns: ['email', 'password_hash', 'full_name', 'is_email_verified', 'is_active', 'last_login_at', 'created_at', 'updated_at'],
    key: { kind: 'uuid' },
    canonical: {
      full_name: 'comes back as the target holds it; a target user with no full_name gets first_name and last_name joined by a space (the forward derives both from full_name)',
    },
  },
});
