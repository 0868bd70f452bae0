-- Reverse transforms of crm.projects, crm.notes and finance.* (accounts, transactions, payables,
-- receivables): target row → legacy row, the inverses of 004-create-transforms-work and
-- 005-create-transforms-finance. The view contract is 001-reverse-views.sql's. Canonical legacy
-- values (docs/two-way-sync.md) are the functions below.
--
-- What a legacy column cannot hold is a _problem (the application's write fails, naming it), and so
-- is a row the forward transform would refuse: a legacy touch of such a row would delete its target
-- row (the forward sync removes target rows whose legacy row has a problem).

-- A note's format in the legacy vocabulary: plain_text was plain there (the forward maps plain and
-- plain_text to plain_text, and null to markdown).
create function cortex_migration.legacy_note_format(target text) returns text
language sql immutable parallel safe as $$ select case target when 'plain_text' then 'plain' else target end $$;

-- The legacy tags of a piece of content: the names of the tags linked to it in content_tags
-- (whatever their scope), each once, sorted by name; content with no tags comes back as null
-- (never '[]': the forward transform reads both as no tags, and legacy rows without tags hold null).
create function cortex_migration.legacy_content_tags(p_content_type text, p_content_id text) returns jsonb
language sql stable parallel safe as $$
  select jsonb_agg(x.name order by x.name)
    from (select distinct t.name::text as name
            from cortex_foundation.content_tags ct join cortex_foundation.tags t on t.id = ct.tag_id
           where ct.content_type = p_content_type and ct.content_id = p_content_id) x
$$;

-- A transaction type in the legacy vocabulary: expense was debit and income was credit there
-- (transaction_type maps debit and expense to expense, credit and income to income).
create function cortex_migration.legacy_transaction_type(target text) returns text
language sql immutable parallel safe as $$
  select case target when 'expense' then 'debit' when 'income' then 'credit' else target end
$$;

-- A bill's status in finance.payables' vocabulary: unpaid was pending and partially_paid was
-- partial there (the forward maps null, pending and unpaid to unpaid; partial and partially_paid
-- to partially_paid).
create function cortex_migration.legacy_payable_status(target text) returns text
language sql immutable parallel safe as $$
  select case target when 'unpaid' then 'pending' when 'partially_paid' then 'partial' else target end
$$;

-- An invoice's status in finance.receivables' vocabulary: partially_paid was partial there.
create function cortex_migration.legacy_receivable_status(target text) returns text
language sql immutable parallel safe as $$ select case target when 'partially_paid' then 'partial' else target end $$;

create view cortex_migration.rx_crm_projects as
select p.id as _new_id, m.old_id as _old_id,
       case when p.owner_id is not null and o.old_id is null then cortex_migration.missing('owner_id', p.owner_id, 'app.users')
            when p.client_id is not null and c.old_id is null then cortex_migration.missing('client_id', p.client_id, 'crm.companies')
            when p.space_id is not null and s.old_id is null then cortex_migration.missing('space_id', p.space_id, 'app.spaces')
            when abs(p.budget) >= 1e12 then cortex_migration.invalid('budget ' || p.budget || ' does not fit crm.projects.budget numeric(14,2)')
       end as _problem,
       p.name::text as name, p.description, p.status::text as status, p.priority::text as priority, p.budget,
       p.start_date, p.end_date, o.old_id::uuid as owner_user_id, c.old_id::integer as client_company_id,
       s.old_id::integer as space_id, p.created_at, p.updated_at
from cortex_projects.projects p
left join cortex_migration.migration_mappings m on m.new_id = p.id and m.old_schema = 'crm' and m.old_table = 'projects'
left join cortex_migration.migration_mappings o on o.new_id = p.owner_id and o.old_schema = 'app' and o.old_table = 'users'
left join cortex_migration.migration_mappings c on c.new_id = p.client_id and c.old_schema = 'crm' and c.old_table = 'companies'
left join cortex_migration.migration_mappings s on s.new_id = p.space_id and s.old_schema = 'app' and s.old_table = 'spaces';

-- A note's contact, project and triggering message are its content links (entity_relationships,
-- content_type 'note'): note_about_person, note_about_project, triggered_by_message. One of each
-- comes back: the link the forward sync derived (metadata derived_from crm.notes) if there is one,
-- else the oldest the application wrote. A triggering message is 'instance:message_id' in the
-- link; the legacy column holds the message id, and the forward finds its instance again as the
-- first (by name) holding that id: a link naming another one cannot go back.
create view cortex_migration.rx_crm_notes as
select n.id as _new_id, m.old_id as _old_id,
       case when ap.from_entity_id is not null and c.old_id is null then cortex_migration.missing('note_about_person', ap.from_entity_id, 'crm.contacts')
            when aj.from_entity_id is not null and pj.old_id is null then cortex_migration.missing('note_about_project', aj.from_entity_id, 'crm.projects')
            when n.space_id is not null and s.old_id is null then cortex_migration.missing('space_id', n.space_id, 'app.spaces')
            when n.created_by_id is not null and u.old_id is null then cortex_migration.missing('created_by_id', n.created_by_id, 'app.users')
            when tm.ref is not null and msg.ref is null then cortex_migration.invalid('triggered_by_message ' || quote_literal(tm.ref) || ' is not in whatsapp.messages')
            when tm.ref is not null and msg.ref <> tm.ref then cortex_migration.invalid('triggered_by_message ' || quote_literal(tm.ref)
              || ' cannot be told from ' || quote_literal(msg.ref) || ' in crm.notes.triggering_message_id (the message id alone)')
            when not cortex_migration.valid_tags(tg.tags) then cortex_migration.invalid('a tag name crm.notes.tags cannot hold (blank or longer than 100 characters): ' || left(tg.tags::text, 60))
       end as _problem,
       n.title::text as title, n.content, n.note_type::text as note_type, cortex_migration.legacy_note_format(n.format) as format,
       c.old_id::integer as contact_id, pj.old_id::integer as project_id, tm.message_id as triggering_message_id,
       tg.tags, s.old_id::integer as space_id,
       u.old_id::uuid as created_by, n.created_at, n.updated_at
from cortex_knowledge.notes n
cross join lateral (select cortex_migration.legacy_content_tags('note', n.id::text) as tags) tg
left join cortex_migration.migration_mappings m on m.new_id = n.id::text and m.old_schema = 'crm' and m.old_table = 'notes'
left join cortex_migration.migration_mappings s on s.new_id = n.space_id and s.old_schema = 'app' and s.old_table = 'spaces'
left join cortex_migration.migration_mappings u on u.new_id = n.created_by_id and u.old_schema = 'app' and u.old_table = 'users'
left join lateral (select r.from_entity_id from cortex_foundation.entity_relationships r
                    where r.content_type = 'note' and r.content_id = n.id::text and r.relationship_type = 'note_about_person'
                      and r.from_entity_id is not null
                    order by r.metadata->>'derived_from' is distinct from 'crm.notes', r.created_at, r.id limit 1) ap on true
left join cortex_migration.migration_mappings c on c.new_id = ap.from_entity_id and c.old_schema = 'crm' and c.old_table = 'contacts'
left join lateral (select r.from_entity_id from cortex_foundation.entity_relationships r
                    where r.content_type = 'note' and r.content_id = n.id::text and r.relationship_type = 'note_about_project'
                      and r.from_entity_id is not null
                    order by r.metadata->>'derived_from' is distinct from 'crm.notes', r.created_at, r.id limit 1) aj on true
left join cortex_migration.migration_mappings pj on pj.new_id = aj.from_entity_id and pj.old_schema = 'crm' and pj.old_table = 'projects'
left join lateral (select r.metadata->>'message' as ref, substring(r.metadata->>'message' from '[^:]*$') as message_id
                     from cortex_foundation.entity_relationships r
                    where r.content_type = 'note' and r.content_id = n.id::text and r.relationship_type = 'triggered_by_message'
                      and r.metadata ? 'message' and coalesce(r.metadata->>'channel', 'whatsapp') = 'whatsapp'
                    order by r.metadata->>'derived_from' is distinct from 'crm.notes', r.created_at, r.id limit 1) tm on true
left join lateral (select wm.instance_name || ':' || wm.message_id as ref from whatsapp.messages wm
                    where wm.message_id = tm.message_id order by wm.instance_name limit 1) msg on true;

create view cortex_migration.rx_finance_accounts as
select a.id as _new_id, m.old_id as _old_id,
       case when a.owner_id is not null and o.old_id is null then cortex_migration.missing('owner_id', a.owner_id, 'app.users')
            when a.status = 'frozen' then cortex_migration.invalid('status ''frozen'' has no finance.accounts value (is_active: active or closed)')
       end as _problem,
       a.name::text as name, a.account_type::text as account_type, a.institution_name::text as institution_name,
       a.account_number::text as account_number_masked, a.currency::char(3) as currency, a.current_balance,
       o.old_id::uuid as owner_user_id, a.status = 'active' as is_active, a.created_at
from cortex_finance.accounts a
left join cortex_migration.migration_mappings m on m.new_id = a.id and m.old_schema = 'finance' and m.old_table = 'accounts'
left join cortex_migration.migration_mappings o on o.new_id = a.owner_id and o.old_schema = 'app' and o.old_table = 'users';

-- A legacy transaction has one account: the forward puts it in to_account_id for income and in
-- from_account_id otherwise. A target transaction without that account, or with the other one
-- too, cannot go back (a legacy touch would drop the other account, or the row).
create view cortex_migration.rx_finance_transactions as
select t.id as _new_id, m.old_id as _old_id,
       case when x.account is null then cortex_migration.invalid('no account: ' || x.account_col || ' is null (transaction_type '
              || t.transaction_type || ' keeps its one finance.transactions.account_id there)')
            when x.other is not null then cortex_migration.invalid(x.other_col || ' ' || x.other || ' has no finance.transactions column (transaction_type '
              || t.transaction_type || ' keeps its one account_id in ' || x.account_col || ')')
            when a.old_id is null then cortex_migration.missing(x.account_col, x.account, 'finance.accounts')
            when t.vendor_id is not null and v.old_id is null then cortex_migration.missing('vendor_id', t.vendor_id, 'crm.companies')
            when t.project_id is not null and pj.old_id is null then cortex_migration.missing('project_id', t.project_id, 'crm.projects')
       end as _problem,
       a.old_id::integer as account_id, t.amount, cortex_migration.legacy_transaction_type(t.transaction_type) as transaction_type,
       t.description, t.category::text as category, t.transaction_date, v.old_id::integer as vendor_company_id,
       pj.old_id::integer as project_id, t.created_at
from cortex_finance.transactions t
cross join lateral (select case when t.transaction_type = 'income' then t.to_account_id else t.from_account_id end as account,
                           case when t.transaction_type = 'income' then 'to_account_id' else 'from_account_id' end as account_col,
                           case when t.transaction_type = 'income' then t.from_account_id else t.to_account_id end as other,
                           case when t.transaction_type = 'income' then 'from_account_id' else 'to_account_id' end as other_col) x
left join cortex_migration.migration_mappings m on m.new_id = t.id::text and m.old_schema = 'finance' and m.old_table = 'transactions'
left join cortex_migration.migration_mappings a on a.new_id = x.account and a.old_schema = 'finance' and a.old_table = 'accounts'
left join cortex_migration.migration_mappings v on v.new_id = t.vendor_id and v.old_schema = 'crm' and v.old_table = 'companies'
left join cortex_migration.migration_mappings pj on pj.new_id = t.project_id and pj.old_schema = 'crm' and pj.old_table = 'projects';

create view cortex_migration.rx_finance_payables as
select b.id as _new_id, m.old_id as _old_id,
       case when b.vendor_id is not null and v.old_id is null then cortex_migration.missing('vendor_id', b.vendor_id, 'crm.companies')
            when b.project_id is not null and pj.old_id is null then cortex_migration.missing('project_id', b.project_id, 'crm.projects')
            when b.account_id is not null and a.old_id is null then cortex_migration.missing('account_id', b.account_id, 'finance.accounts')
       end as _problem,
       v.old_id::integer as vendor_company_id, b.amount, b.amount_paid, b.bill_date, b.due_date,
       cortex_migration.legacy_payable_status(b.status) as status, pj.old_id::integer as project_id,
       a.old_id::integer as account_id, b.description, b.created_at
from cortex_finance.bills_payable b
left join cortex_migration.migration_mappings m on m.new_id = b.id::text and m.old_schema = 'finance' and m.old_table = 'payables'
left join cortex_migration.migration_mappings v on v.new_id = b.vendor_id and v.old_schema = 'crm' and v.old_table = 'companies'
left join cortex_migration.migration_mappings pj on pj.new_id = b.project_id and pj.old_schema = 'crm' and pj.old_table = 'projects'
left join cortex_migration.migration_mappings a on a.new_id = b.account_id and a.old_schema = 'finance' and a.old_table = 'accounts';

create view cortex_migration.rx_finance_receivables as
select b.id as _new_id, m.old_id as _old_id,
       case when b.customer_id is not null and c.old_id is null then cortex_migration.missing('customer_id', b.customer_id, 'crm.companies')
            when b.project_id is not null and pj.old_id is null then cortex_migration.missing('project_id', b.project_id, 'crm.projects')
            when b.account_id is not null and a.old_id is null then cortex_migration.missing('account_id', b.account_id, 'finance.accounts')
       end as _problem,
       c.old_id::integer as customer_company_id, b.amount, b.amount_received, b.invoice_date, b.due_date,
       cortex_migration.legacy_receivable_status(b.status) as status, pj.old_id::integer as project_id,
       a.old_id::integer as account_id, b.description, b.created_at
from cortex_finance.bills_receivable b
left join cortex_migration.migration_mappings m on m.new_id = b.id::text and m.old_schema = 'finance' and m.old_table = 'receivables'
left join cortex_migration.migration_mappings c on c.new_id = b.customer_id and c.old_schema = 'crm' and c.old_table = 'companies'
left join cortex_migration.migration_mappings pj on pj.new_id = b.project_id and pj.old_schema = 'crm' and pj.old_table = 'projects'
left join cortex_migration.migration_mappings a on a.new_id = b.account_id and a.old_schema = 'finance' and a.old_table = 'accounts';
