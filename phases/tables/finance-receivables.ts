// finance.receivables → cortex_finance.bills_receivable; the transform: cortex_migration.tx_finance_receivables.
import { defineTable } from '../../src/generate/spec.js';

/** finance.receivables. */
export const financeReceivables = defineTable({
  legacy: { schema: 'finance', table: 'receivables', key: [{ name: 'receivable_id', type: 'integer' }] },
  target: { schema: 'cortex_finance', table: 'bills_receivable', idType: 'uuid' },
  contentType: 'receivables',
  columns: ['id', 'customer_id', 'amount', 'amount_received', 'invoice_date', 'due_date', 'status', 'project_id', 'account_id', 'description', 'created_at', 'updated_at'],
  reads: ['receivable_id', 'customer_company_id', 'amount', 'amount_received', 'invoice_date', 'due_date', 'status', 'project_id', 'account_id', 'description', 'created_at'],
  plain: ['amount', 'amount_received', 'invoice_date', 'due_date', 'description'],
  derived: {},
  references: [],
  insertOnly: ['updated_at'],
  reverse: {
    columns: ['customer_company_id', 'amount', 'amount_received', 'invoice_date', 'due_date', 'status', 'project_id', 'account_id',
      'description', 'created_at'],
    key: { kind: 'sequence' },
    canonical: {
      status: "partially_paid comes back as 'partial' (the forward transform maps partial and partially_paid to partially_paid, and null to draft) (cortex_migration.legacy_receivable_status)",
    },
  },
});
