import { describe, expect, it } from 'vitest';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

// Golden rows: one hand-written legacy row per vocabulary or shape change, and the exact target
// row each transform must produce. Ids above 900000 keep them apart from generated rows.
const db = useFreshDatabase('golden');

async function newId(table: string, oldId: string): Promise<string> {
  const [r] = await db().sql<{ new_id: string }[]>`
    select new_id from cortex_migration.migration_mappings where old_table = ${table} and old_id = ${oldId}`;
  return r!.new_id;
}

describe('transforms (golden rows)', () => {
  it('loads golden legacy rows and runs phases 1-3', async () => {
    const sql = db().sql;
    await loadLegacyFixture(sql, { scale: 0.01, seed: 2, dirty: false, replace: false });
    await sql.unsafe(`
      insert into app.users (user_id, email, full_name, created_at, updated_at)
        values ('00000000-0000-0000-0000-000000000001', 'grace@example.com', 'Grace Brewster Hopper', '2024-01-01', '2024-01-02');
      insert into app.spaces (space_id, workspace_id, name, space_type, owner_user_id, created_at, updated_at)
        values (900001, 1, 'Team room', 'team', '00000000-0000-0000-0000-000000000001', '2024-01-01', '2024-01-01');
      insert into crm.contacts (contact_id, full_name, tags, created_by, created_at, updated_at)
        values (900001, '  Alan Mathison Turing ', '["vip", "work"]', '00000000-0000-0000-0000-000000000001', '2024-02-01', '2024-02-02');
      insert into crm.contact_phones (id, contact_id, phone_number, label, is_primary, is_whatsapp)
        values (900001, 900001, '+1 (415) 555-0100', 'Mobile', true, true);
      insert into crm.companies (company_id, name, website, is_client, tags, created_at, updated_at)
        values (900001, 'Bletchley Ltd', 'https://bletchley.example', true, '["client"]', '2024-01-01', '2024-01-01');
      insert into crm.contact_company_memberships (contact_id, company_id, title, started_at, created_at)
        values (900001, 900001, 'Cryptanalyst', '1939-09-04', '2024-03-01');
      insert into crm.groups (group_id, name, group_type, created_at) values (900001, 'Hut 8', 'team', '2024-01-01');
      insert into crm.group_members (group_id, contact_id, added_at) values (900001, 900001, '2024-03-02');
      insert into crm.projects (project_id, name, status, priority, budget, created_at, updated_at)
        values (900001, 'Bombe', 'on_hold', 'HIGH', 1234.50, '2024-01-01', '2024-01-01');
      insert into crm.tasks (task_id, title, status, priority, project_id, assigned_contact_id, triggering_message_id, tags, created_at, updated_at)
        values (900001, 'Break Enigma', 'pending', 'urgent', 900001, 900001, 'WAM0000000001', '["crypto"]', '2024-04-01', '2024-04-01');
      insert into crm.notes (note_id, title, content, format, contact_id, created_at, updated_at)
        values (900001, 'On computable numbers', 'one two three four', 'plain', 900001, '2024-05-01', '2024-05-01');
      insert into calendar.events (event_id, title, start_time, end_time, project_id, reminder_minutes, created_at, updated_at)
        values (900001, 'Review', '2024-06-01 10:00+00', '2024-06-01 11:00+00', 900001, 15, '2024-05-01', '2024-05-01');
      insert into calendar.event_attendees (event_id, contact_id, response_status, role) values (900001, 900001, 'needs_action', 'required');
      insert into finance.accounts (account_id, name, account_type, currency, is_active, created_at)
        values (900001, 'Old account', 'savings', 'GBP', false, '2024-01-01');
      insert into finance.transactions (transaction_id, account_id, amount, transaction_type, transaction_date, vendor_company_id, created_at)
        values (900001, 900001, 42.10, 'debit', '2024-07-01', 900001, '2024-07-01'),
               (900002, 900001, 99.99, 'credit', '2024-07-02', null, '2024-07-02');
      insert into finance.payables (payable_id, vendor_company_id, amount, amount_paid, status, created_at)
        values (900001, 900001, 100, 40, 'partial', '2024-01-01');
      insert into app.space_items (id, space_id, item_type, item_id, added_at) values (900001, 900001, 'contact', '900001', '2024-01-01');`);
    for (const n of [1, 2, 3]) {
      const r = await runCli(['--database-url', db().url, 'migrate', 'phase', String(n)]);
      expect(r.code, r.stderr.slice(-300)).toBe(0);
    }
  });

  it('users: names split, prefixed id, registered as an entity', async () => {
    const id = await newId('users', '00000000-0000-0000-0000-000000000001');
    const [u] = await db().sql`select id, email, first_name, last_name, is_active from cortex_foundation.users where id = ${id}`;
    expect(u).toEqual({ id, email: 'grace@example.com', first_name: 'Grace', last_name: 'Brewster Hopper', is_active: true });
    const [e] = await db().sql`select entity_type, name from cortex_foundation.entities where id = ${id}`;
    expect(e).toEqual({ entity_type: 'user', name: 'Grace Brewster Hopper' });
  });

  it('spaces and space items: vocabulary mapped, item ids rewritten', async () => {
    const space = await newId('spaces', '900001');
    const [s] = await db().sql`select space_type, category, owner_user_id from cortex_foundation.spaces where id = ${space}`;
    expect(s).toEqual({ space_type: 'shared', category: 'team', owner_user_id: await newId('users', '00000000-0000-0000-0000-000000000001') });
    const [i] = await db().sql`select item_type, item_id from cortex_foundation.space_items where space_id = ${space}`;
    expect(i).toEqual({ item_type: 'person', item_id: await newId('contacts', '900001') });
  });

  it('contacts: trimmed name split, tags, phone label normalised, memberships and groups as relationships', async () => {
    const person = await newId('contacts', '900001');
    const [p] = await db().sql`select full_name, first_name, last_name, created_by from cortex_entities.persons where id = ${person}`;
    expect(p).toEqual({ full_name: 'Alan Mathison Turing', first_name: 'Alan', last_name: 'Mathison Turing', created_by: await newId('users', '00000000-0000-0000-0000-000000000001') });
    const tags = await db().sql`select t.name from cortex_foundation.entity_tags et join cortex_foundation.tags t on t.id = et.tag_id where et.entity_id = ${person} order by 1`;
    expect(tags.map((t) => t.name)).toEqual(['vip', 'work']);
    const [ph] = await db().sql`select phone_number, label, is_whatsapp_enabled from cortex_entities.contact_phones where person_id = ${person}`;
    expect(ph).toEqual({ phone_number: '+1 (415) 555-0100', label: 'mobile', is_whatsapp_enabled: true });
    const rels = await db().sql`
      select relationship_type, to_entity_id, metadata from cortex_foundation.entity_relationships where from_entity_id = ${person} order by 1`;
    expect(rels).toEqual([
      { relationship_type: 'member_of', to_entity_id: await newId('groups', '900001'), metadata: null },
      { relationship_type: 'note_about_person', to_entity_id: null, metadata: { derived_from: 'crm.notes' } },
      { relationship_type: 'triggered_by_message', to_entity_id: null, metadata: { channel: 'whatsapp', message: 'instance_1:WAM0000000001', derived_from: 'crm.tasks' } },
      { relationship_type: 'works_for', to_entity_id: await newId('companies', '900001'), metadata: { title: 'Cryptanalyst', started_at: '1939-09-04' } },
    ].map((r) => (r.relationship_type === 'triggered_by_message' ? { ...r, metadata: expect.objectContaining({ derived_from: 'crm.tasks', channel: 'whatsapp' }) } : r)));
  });

  it('projects and tasks: statuses and priorities in the target vocabulary, references mapped', async () => {
    const project = await newId('projects', '900001');
    const [p] = await db().sql`select status, priority, budget from cortex_projects.projects where id = ${project}`;
    expect(p).toEqual({ status: 'on_hold', priority: 'high', budget: '1234.50' });
    const [t] = await db().sql`select status, priority, project_id, assigned_to_id, tags from cortex_projects.tasks where id = ${await newId('tasks', '900001')}`;
    expect(t).toEqual({ status: 'todo', priority: 'urgent', project_id: project, assigned_to_id: await newId('contacts', '900001'), tags: ['crypto'] });
  });

  it('notes, events and attendees', async () => {
    const [n] = await db().sql`select format, word_count from cortex_knowledge.notes where id = ${await newId('notes', '900001')}`;
    expect(n).toEqual({ format: 'plain_text', word_count: 4 });
    const event = await newId('events', '900001');
    const links = await db().sql`select relationship_type, from_entity_id, metadata->>'minutes' as minutes from cortex_foundation.entity_relationships where content_id = ${event} order by 1`;
    expect(links).toEqual([
      { relationship_type: 'event_of_project', from_entity_id: await newId('projects', '900001'), minutes: null },
      { relationship_type: 'reminder_before', from_entity_id: null, minutes: '15' },
    ]);
    const [a] = await db().sql`select response_status, role, participant_id from cortex_scheduling.event_participants where event_id = ${event}::uuid`;
    expect(a).toEqual({ response_status: 'pending', role: 'attendee', participant_id: await newId('contacts', '900001') });
  });

  it('finance: account status, debit/credit direction, payable status', async () => {
    const account = await newId('accounts', '900001');
    const [acc] = await db().sql`select status, currency, account_type from cortex_finance.accounts where id = ${account}`;
    expect(acc).toEqual({ status: 'closed', currency: 'GBP', account_type: 'savings' });
    const txs = await db().sql`
      select transaction_type, amount, from_account_id, to_account_id, vendor_id from cortex_finance.transactions
      where id in (${await newId('transactions', '900001')}::uuid, ${await newId('transactions', '900002')}::uuid) order by amount`;
    expect(txs).toEqual([
      { transaction_type: 'expense', amount: '42.10', from_account_id: account, to_account_id: null, vendor_id: await newId('companies', '900001') },
      { transaction_type: 'income', amount: '99.99', from_account_id: null, to_account_id: account, vendor_id: null },
    ]);
    const [b] = await db().sql`select status, amount_paid from cortex_finance.bills_payable where id = ${await newId('payables', '900001')}::uuid`;
    expect(b).toEqual({ status: 'partially_paid', amount_paid: '40.00' });
  });
});
