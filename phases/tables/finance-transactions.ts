// finance.transactions → cortex_finance.transactions; the transform: cortex_migration.tx_finance_transactions.
import { defineTable } from '../../src/generate/spec.js';

/** finance.transactions. */
export const financeTransactions = defineTable({
  legacy: { schema: 'finance', table: 'transactions', key: [{ name: 'transaction_id', type: 'bigint' }] },
  target: { schema: 'cortex_finance', table: 'transactions', idType: 'uuid' },
  contentType: 'transactions',
  columns: ['id', 'amount', 'transaction_type', 'description', 'transaction_date', 'from_account_id', 'to_account_id', 'category', 'vendor_id', 'project_id', 'status', 'created_at', 'updated_at'],
  reads: ['transaction_id', 'account_id', 'amount', 'transaction_type', 'description', 'category', 'transaction_date', 'vendor_company_id', 'project_id', 'created_at'],
  plain: ['amount', 'description', 'transaction_date'],
  derived: {},
  references: [],
  insertOnly: ['status', 'updated_at'],
  reverse: {
    columns: ['account_id', 'amount', 'transaction_type', 'description', 'category', 'transaction_date', 'vendor_company_id',
      'project_id', 'created_at'],
    key: { kind: 'sequence' },
    canonical: {
      transaction_type: "expense comes back as 'debit', income as 'credit' (the forward transform maps debit and expense to expense, credit and income to income) (cortex_migration.legacy_transaction_type)",
      account_id: 'the to_account_id of an income, the from_account_id of an expense or a transfer (the other one must be null)',
    },
  },
});
