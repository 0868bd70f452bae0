// finance.accounts → cortex_finance.accounts; the transform: cortex_migration.tx_finance_accounts.
import { defineTable } from '../../src/generate/spec.js';

/** finance.accounts. */
export const financeAccounts = defineTable({
  legacy: { schema: 'finance', table: 'accounts', key: [{ name: 'account_id', type: 'integer' }] },
  target: { schema: 'cortex_finance', table: 'accounts', idType: 'character varying(50)' },
  prefix: 'ca',
  contentType: 'accounts',
  columns: ['id', 'name', 'account_type', 'account_number', 'institution_name', 'current_balance', 'currency', 'owner_id', 'status', 'created_at', 'updated_at'],
  reads: ['account_id', 'name', 'account_type', 'institution_name', 'account_number_masked', 'currency', 'current_balance', 'owner_user_id', 'is_active', 'created_at'],
  plain: ['institution_name', 'current_balance'],
  derived: {},
  references: [],
  insertOnly: ['updated_at'],
  reverse: {
    columns: ['name', 'account_type', 'institution_name', 'account_number_masked', 'currency', 'current_balance', 'owner_user_id',
      'is_active', 'created_at'],
    key: { kind: 'sequence' },
    canonical: {
      account_type: "comes back lower-cased and trimmed, as the target holds it; null comes back as null (read forward as 'other')",
      is_active: "true for status active, false for closed; frozen has no legacy value and cannot go back",
    },
  },
});
