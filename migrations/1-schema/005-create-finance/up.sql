-- cortex_finance: accounts (core entities, ca_), transactions, categories, bills, budgets.
create table cortex_finance.accounts (
  id                  varchar(50) primary key check (id ~ '^ca_')
                      references cortex_foundation.entities (id) on delete cascade,
  name                varchar(255) not null,
  account_type        varchar(100) check (account_type in ('checking', 'savings', 'credit_card', 'investment', 'cash', 'loan', 'other')),
  account_number      varchar(100),
  institution_name    varchar(255),
  current_balance     numeric(15,2),
  available_balance   numeric(15,2),
  credit_limit        numeric(15,2),
  currency            varchar(3) not null default 'USD',
  interest_rate       numeric(5,4),
  owner_id            varchar(50),
  status              varchar(50) not null default 'active' check (status in ('active', 'closed', 'frozen')),
  opened_date         date,
  closed_date         date,
  external_account_id varchar(255),
  last_synced_at      timestamptz,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  created_by          varchar(50)
);
create index accounts_owner_idx on cortex_finance.accounts (owner_id);

create table cortex_finance.transactions (
  id                      uuid primary key default gen_random_uuid(),
  amount                  numeric(15,2) not null,
  transaction_type        varchar(50) not null check (transaction_type in ('income', 'expense', 'transfer')),
  description             text,
  transaction_date        date not null,
  from_account_id         varchar(50),
  to_account_id           varchar(50),
  category                varchar(100),
  subcategory             varchar(100),
  vendor_id               varchar(50),
  project_id              varchar(50),
  reference_number        varchar(100),
  receipt_url             varchar(500),
  notes                   text,
  status                  varchar(50) not null default 'completed' check (status in ('pending', 'completed', 'cancelled')),
  external_transaction_id varchar(255),
  created_at              timestamptz not null default now(),
  updated_at              timestamptz not null default now(),
  created_by              varchar(50)
);
create index transactions_from_account_idx on cortex_finance.transactions (from_account_id, transaction_date);
create index transactions_to_account_idx on cortex_finance.transactions (to_account_id, transaction_date);
create index transactions_vendor_idx on cortex_finance.transactions (vendor_id);
create index transactions_project_idx on cortex_finance.transactions (project_id);
create index transactions_date_idx on cortex_finance.transactions (transaction_date);

create table cortex_finance.categories (
  id                 uuid primary key default gen_random_uuid(),
  name               varchar(255) not null,
  parent_category_id uuid references cortex_finance.categories (id),
  category_type      varchar(20) not null check (category_type in ('income', 'expense')),
  description        text,
  color              varchar(7),
  is_active          boolean not null default true,
  created_at         timestamptz not null default now()
);

create table cortex_finance.bills_payable (
  id             uuid primary key default gen_random_uuid(),
  bill_number    varchar(100),
  vendor_id      varchar(50),
  amount         numeric(15,2) not null,
  amount_paid    numeric(15,2) not null default 0,
  bill_date      date,
  due_date       date,
  penalty_rate   numeric(5,4),
  penalty_amount numeric(15,2),
  status         varchar(50) not null default 'unpaid' check (status in ('unpaid', 'partially_paid', 'paid', 'overdue')),
  project_id     varchar(50),
  account_id     varchar(50),
  description    text,
  invoice_url    varchar(500),
  receipt_url    varchar(500),
  paid_date      date,
  payment_method varchar(50),
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  created_by     varchar(50)
);
create index bills_payable_vendor_idx on cortex_finance.bills_payable (vendor_id);
create index bills_payable_open_due_idx on cortex_finance.bills_payable (due_date) where status <> 'paid';

create table cortex_finance.bills_receivable (
  id              uuid primary key default gen_random_uuid(),
  invoice_number  varchar(100),
  customer_id     varchar(50),
  amount          numeric(15,2) not null,
  amount_received numeric(15,2) not null default 0,
  invoice_date    date,
  due_date        date,
  penalty_rate    numeric(5,4),
  penalty_amount  numeric(15,2),
  status          varchar(50) not null default 'draft' check (status in ('draft', 'sent', 'partially_paid', 'paid', 'overdue')),
  project_id      varchar(50),
  account_id      varchar(50),
  description     text,
  invoice_url     varchar(500),
  paid_date       date,
  payment_method  varchar(50),
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  created_by      varchar(50)
);
create index bills_receivable_customer_idx on cortex_finance.bills_receivable (customer_id);
create index bills_receivable_open_due_idx on cortex_finance.bills_receivable (due_date) where status <> 'paid';

create table cortex_finance.budget_categories (
  id            uuid primary key default gen_random_uuid(),
  name          varchar(255) not null,
  budget_amount numeric(15,2),
  spent_amount  numeric(15,2),
  period_type   varchar(20) check (period_type in ('monthly', 'quarterly', 'yearly')),
  period_start  date,
  period_end    date,
  created_at    timestamptz not null default now()
);
