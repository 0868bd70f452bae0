// finance.payables → cortex_finance.bills_payable; the transform: cortex_migration.tx_finance_payables.
import { defineTable } from '../../src/generate/spec.js';

/** finance.payables. */
export const financePayables = defineTable({
  legacy: { schema: 'finance', table: 'payables', key: [{ name: 'payable_id', type: 'integer' }] },
  target: { schema: 'cortex_finance', table: 'bills_payable', idType: 'uuid' },
  contentType: 'payables',
  columns: ['id', 'vendor_id', 'amount', 'amount_paid', 'bill_date', 'due_date', 'status', 'project_id', 'account_id', 'description', 'created_at', 'updated_at'],
  reads: ['payable_id', 'vendor_company_id', 'amount', 'amount_paid', 'bill_date', 'due_date', 'status', 'project_id', 'account_id', 'description', 'created_at'],
  plain: ['amount', 'amount_paid', 'bill_date', 'due_date', 'description'],
  derived: {},
  references: [],
  insertOnly: ['updated_at'],
  reverse: {
    columns: ['vendor_company_id', 'amount', 'amount_paid', 'bill_date', 'due_date', 'status', 'project_id', 'account_id',
      'description', 'created_at'],
    key: { kind: 'sequence' },
    canonical: {
      status: "unpaid comes back as 'pending', partially_paid as 'partial' (the forward transform maps null, pending and unpaid to unpaid, partial and partially_paid to partially_paid) (cortex_migration.legacy_payable_status)",
    },
  },
});
