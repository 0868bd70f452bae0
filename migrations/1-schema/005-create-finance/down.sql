drop table cortex_finance.budget_categories;
drop table cortex_finance.bills_receivable;
drop table cortex_finance.bills_payable;
drop table cortex_finance.categories;
drop table cortex_finance.transactions;
drop table cortex_finance.accounts;
