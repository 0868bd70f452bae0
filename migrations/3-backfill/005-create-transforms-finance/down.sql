drop view cortex_migration.tx_finance_receivables;
drop view cortex_migration.tx_finance_payables;
drop view cortex_migration.tx_finance_transactions;
drop function cortex_migration.transaction_type(text);
drop view cortex_migration.tx_finance_accounts;
