-- Transforms for finance.*: accounts, transactions, payables and receivables.

create view cortex_migration.tx_finance_accounts as
select a.account_id as _legacy_key, a.account_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when coalesce(cortex_migration.norm(a.account_type), 'other') not in ('checking', 'savings', 'credit_card', 'investment', 'cash', 'loan', 'other') then cortex_migration.invalid('unknown account_type ' || quote_literal(a.account_type))
            when a.owner_user_id is not null and o.new_id is null then cortex_migration.missing('owner_user_id', a.owner_user_id::text, 'app.users')
            when length(a.name) > 255 then cortex_migration.invalid('name longer than 255 characters')
       end as _problem,
       a.name as _entity_name,
       m.new_id as id, a.name, coalesce(cortex_migration.norm(a.account_type), 'other')::varchar(100) as account_type,
       a.account_number_masked as account_number, a.institution_name, a.current_balance, a.currency::varchar(3) as currency,
       o.new_id as owner_id, (case when a.is_active then 'active' else 'closed' end)::varchar(50) as status,
       a.created_at, a.created_at as updated_at
from finance.accounts a
left join cortex_migration.migration_mappings m on m.old_schema = 'finance' and m.old_table = 'accounts' and m.old_id = a.account_id::text
left join cortex_migration.migration_mappings o on o.old_schema = 'app' and o.old_table = 'users' and o.old_id = a.owner_user_id::text;

-- debit → expense, credit → income; money leaves the account on expenses and transfers.
create function cortex_migration.transaction_type(legacy text) returns text
language sql immutable as $$
  select case cortex_migration.norm(legacy) when 'debit' then 'expense' when 'expense' then 'expense'
                                           when 'credit' then 'income' when 'income' then 'income'
                                           when 'transfer' then 'transfer' end
$$;

create view cortex_migration.tx_finance_transactions as
select t.transaction_id as _legacy_key, t.transaction_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when cortex_migration.transaction_type(t.transaction_type) is null then cortex_migration.invalid('unknown transaction_type ' || coalesce(quote_literal(t.transaction_type), 'null'))
            when t.account_id is null then cortex_migration.invalid('no account')
            when a.new_id is null then cortex_migration.missing('account_id', t.account_id::text, 'finance.accounts')
            when t.vendor_company_id is not null and v.new_id is null then cortex_migration.missing('vendor_company_id', t.vendor_company_id::text, 'crm.companies')
            when t.project_id is not null and pj.new_id is null then cortex_migration.missing('project_id', t.project_id::text, 'crm.projects')
            when length(t.category) > 100 then cortex_migration.invalid('category longer than 100 characters')
       end as _problem,
       m.new_id::uuid as id, t.amount, cortex_migration.transaction_type(t.transaction_type)::varchar(50) as transaction_type,
       t.description, t.transaction_date,
       case when cortex_migration.transaction_type(t.transaction_type) <> 'income' then a.new_id end as from_account_id,
       case when cortex_migration.transaction_type(t.transaction_type) = 'income' then a.new_id end as to_account_id,
       t.category, v.new_id as vendor_id, pj.new_id as project_id, 'completed'::varchar(50) as status,
       t.created_at, t.created_at as updated_at
from finance.transactions t
left join cortex_migration.migration_mappings m on m.old_schema = 'finance' and m.old_table = 'transactions' and m.old_id = t.transaction_id::text
left join cortex_migration.migration_mappings a on a.old_schema = 'finance' and a.old_table = 'accounts' and a.old_id = t.account_id::text
left join cortex_migration.migration_mappings v on v.old_schema = 'crm' and v.old_table = 'companies' and v.old_id = t.vendor_company_id::text
left join cortex_migration.migration_mappings pj on pj.old_schema = 'crm' and pj.old_table = 'projects' and pj.old_id = t.project_id::text;

create view cortex_migration.tx_finance_payables as
select b.payable_id as _legacy_key, b.payable_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when coalesce(cortex_migration.norm(b.status), 'pending') not in ('pending', 'unpaid', 'partial', 'partially_paid', 'paid', 'overdue') then cortex_migration.invalid('unknown status ' || quote_literal(b.status))
            when b.vendor_company_id is not null and v.new_id is null then cortex_migration.missing('vendor_company_id', b.vendor_company_id::text, 'crm.companies')
            when b.project_id is not null and pj.new_id is null then cortex_migration.missing('project_id', b.project_id::text, 'crm.projects')
            when b.account_id is not null and a.new_id is null then cortex_migration.missing('account_id', b.account_id::text, 'finance.accounts')
       end as _problem,
       m.new_id::uuid as id, v.new_id as vendor_id, b.amount, b.amount_paid, b.bill_date, b.due_date,
       (case coalesce(cortex_migration.norm(b.status), 'pending') when 'pending' then 'unpaid' when 'partial' then 'partially_paid'
             else coalesce(cortex_migration.norm(b.status), 'pending') end)::varchar(50) as status,
       pj.new_id as project_id, a.new_id as account_id, b.description, b.created_at, b.created_at as updated_at
from finance.payables b
left join cortex_migration.migration_mappings m on m.old_schema = 'finance' and m.old_table = 'payables' and m.old_id = b.payable_id::text
left join cortex_migration.migration_mappings v on v.old_schema = 'crm' and v.old_table = 'companies' and v.old_id = b.vendor_company_id::text
left join cortex_migration.migration_mappings pj on pj.old_schema = 'crm' and pj.old_table = 'projects' and pj.old_id = b.project_id::text
left join cortex_migration.migration_mappings a on a.old_schema = 'finance' and a.old_table = 'accounts' and a.old_id = b.account_id::text;

create view cortex_migration.tx_finance_receivables as
select r.receivable_id as _legacy_key, r.receivable_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when coalesce(cortex_migration.norm(r.status), 'draft') not in ('draft', 'sent', 'partial', 'partially_paid', 'paid', 'overdue') then cortex_migration.invalid('unknown status ' || quote_literal(r.status))
            when r.customer_company_id is not null and c.new_id is null then cortex_migration.missing('customer_company_id', r.customer_company_id::text, 'crm.companies')
            when r.project_id is not null and pj.new_id is null then cortex_migration.missing('project_id', r.project_id::text, 'crm.projects')
            when r.account_id is not null and a.new_id is null then cortex_migration.missing('account_id', r.account_id::text, 'finance.accounts')
       end as _problem,
       m.new_id::uuid as id, c.new_id as customer_id, r.amount, r.amount_received, r.invoice_date, r.due_date,
       (case coalesce(cortex_migration.norm(r.status), 'draft') when 'partial' then 'partially_paid'
             else coalesce(cortex_migration.norm(r.status), 'draft') end)::varchar(50) as status,
       pj.new_id as project_id, a.new_id as account_id, r.description, r.created_at, r.created_at as updated_at
from finance.receivables r
left join cortex_migration.migration_mappings m on m.old_schema = 'finance' and m.old_table = 'receivables' and m.old_id = r.receivable_id::text
left join cortex_migration.migration_mappings c on c.old_schema = 'crm' and c.old_table = 'companies' and c.old_id = r.customer_company_id::text
left join cortex_migration.migration_mappings pj on pj.old_schema = 'crm' and pj.old_table = 'projects' and pj.old_id = r.project_id::text
left join cortex_migration.migration_mappings a on a.old_schema = 'finance' and a.old_table = 'accounts' and a.old_id = r.account_id::text;
