// The way back for crm.projects, crm.notes and finance.*: the application's inserts, updates and
// deletes on their target tables reach the legacy tables, in the canonical legacy values; a later
// legacy touch leaves the target as the application wrote it; what legacy cannot hold fails the write.
import { beforeAll, describe, expect, it } from 'vitest';
import { crmNotes } from '../../phases/tables/crm-notes.js';
import { crmProjects } from '../../phases/tables/crm-projects.js';
import { financeAccounts } from '../../phases/tables/finance-accounts.js';
import { financePayables } from '../../phases/tables/finance-payables.js';
import { financeReceivables } from '../../phases/tables/finance-receivables.js';
import { financeTransactions } from '../../phases/tables/finance-transactions.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import type { TableSpec } from '../../src/generate/spec.js';
import { ident, list, qualified } from '../../src/generate/sql.js';
import { reverseView, transformView } from '../../src/names.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('rwork');
const cli = (args: string[]) => runCli(['--database-url', db().url, ...args]);
const SPECS = [crmProjects, crmNotes, financeAccounts, financeTransactions, financePayables, financeReceivables];

type Row = Record<string, unknown>;
const legacy = (s: TableSpec) => qualified([s.legacy.schema, s.legacy.table]);
const target = (s: TableSpec) => qualified([s.target.schema, s.target.table]);
const key = (s: TableSpec) => ident(s.legacy.key[0]!.name);

/** The legacy row of a target id, found through its mapping, as json (times in UTC). */
async function legacyOf(s: TableSpec, newId: string): Promise<Row | undefined> {
  return db().sql.begin(async (tx) => {
    await tx`set local timezone = 'UTC'`;
    const [r] = await tx.unsafe<{ j: Row }[]>(`
      select to_jsonb(l) as j from ${legacy(s)} l join cortex_migration.migration_mappings m
        on m.old_schema = $1 and m.old_table = $2 and m.old_id = l.${key(s)}::text where m.new_id = $3`,
    [s.legacy.schema, s.legacy.table, newId]);
    return r?.j;
  });
}

async function targetOf(s: TableSpec, id: string): Promise<Row | undefined> {
  const [r] = await db().sql.unsafe<{ j: Row }[]>(`select to_jsonb(t) as j from ${target(s)} t where t.id::text = $1`, [id]);
  return r?.j;
}

/** A legacy touch of the row (its first reverse column set to itself: the forward sync runs). */
async function touch(s: TableSpec, newId: string): Promise<void> {
  const c = ident(s.reverse!.columns[0]!);
  await db().sql.unsafe(`
    update ${legacy(s)} l set ${c} = l.${c} from cortex_migration.migration_mappings m
     where m.old_schema = $1 and m.old_table = $2 and m.old_id = l.${key(s)}::text and m.new_id = $3`,
  [s.legacy.schema, s.legacy.table, newId]);
}

/** After a legacy touch the target row is as the application wrote it: the forward transform of the legacy row is that row. */
async function touchKeepsTarget(s: TableSpec, newId: string): Promise<void> {
  const before = await targetOf(s, newId);
  await touch(s, newId);
  expect(await targetOf(s, newId)).toEqual(before);
  const [fwd] = await db().sql.unsafe<{ j: Row }[]>(`
    select to_jsonb(v) as j from ${qualified(transformView(s.legacy.schema, s.legacy.table))} v
      join cortex_migration.migration_mappings m on m.old_schema = $1 and m.old_table = $2 and m.old_id = v._old_id
     where m.new_id = $3`, [s.legacy.schema, s.legacy.table, newId]);
  expect(fwd!.j._problem).toBeNull();
  for (const c of s.columns) expect(fwd!.j[c], c).toEqual(before![c]);
  const [q] = await db().sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.quarantine where old_table = ${s.legacy.table}`;
  expect(q!.n).toBe(0);
}

/** The statement fails with the reverse sync's error (CX001), whose message matches. */
async function rejects(statement: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await statement.then(() => undefined, (e: Error & { code?: string }) => e);
  expect(err, 'the write should have failed').toBeInstanceOf(Error);
  expect(err!.code).toBe('CX001');
  expect(err!.message).toMatch(message);
}

// Mapped target ids and their legacy keys, two of each kind, to point new rows at.
type Ref = { new_id: string; old_id: string };
const refs: Record<string, [Ref, Ref]> = {};
const nid = (kind: string, i = 0) => refs[kind]![i]!.new_id;
const oid = (kind: string, i = 0) => refs[kind]![i]!.old_id;
const num = (kind: string, i = 0) => Number(oid(kind, i));

describe('reverse sync of crm.projects, crm.notes and finance.*', () => {
  beforeAll(async () => {
    await loadLegacyFixture(db().sql, { scale: 0.02, seed: 21, dirty: false, replace: false });
    for (const n of [1, 2, 3, 4]) expect((await cli(['migrate', 'phase', String(n)])).code).toBe(0);
    for (const t of ['users', 'spaces', 'companies', 'contacts', 'projects', 'accounts']) {
      const rows = await db().sql<Ref[]>`
        select new_id, old_id from cortex_migration.migration_mappings where old_table = ${t} order by new_id limit 2`;
      refs[t] = [rows[0]!, rows[1]!];
    }
  });

  it('the reverse view of every backfilled row gives back its legacy row as it is (the fixture speaks the canonical vocabulary)', async () => {
    for (const s of SPECS) {
      const cols = s.reverse!.columns;
      const [r] = await db().sql.unsafe<{ n: number; problems: number; differ: string[] | null; legacy: number }[]>(`
        select count(*)::int as n, count(*) filter (where r._problem is not null)::int as problems,
               (array_agg(r._old_id) filter (where (${list(cols, 'r.')}) is distinct from (${list(cols, 'l.')})))[1:5] as differ,
               (select count(*)::int from ${legacy(s)}) as legacy
          from ${qualified(reverseView(s.legacy.schema, s.legacy.table))} r join ${legacy(s)} l on l.${key(s)}::text = r._old_id`);
      expect(r, s.legacy.table).toEqual({ n: r!.legacy, problems: 0, differ: null, legacy: r!.legacy });
      expect(r!.n, s.legacy.table).toBeGreaterThan(0);
    }
  });

  it('crm.projects: a project created, changed in every column and deleted on the target', async () => {
    const sql = db().sql;
    const id = 'cj_made_on_the_target';
    await sql`insert into cortex_foundation.entities (id, entity_type, name) values (${id}, 'project', 'Made on the target')`;
    await sql`
      insert into cortex_projects.projects (id, name, description, status, priority, budget, start_date, end_date, owner_id, client_id, space_id)
      values (${id}, 'Made on the target', 'first', 'active', 'high', 1234.5, '2024-01-01', '2024-06-30', ${nid('users')}, ${nid('companies')}, ${nid('spaces')})`;
    expect(await legacyOf(crmProjects, id)).toMatchObject({
      name: 'Made on the target', description: 'first', status: 'active', priority: 'high', budget: 1234.5, start_date: '2024-01-01',
      end_date: '2024-06-30', owner_user_id: oid('users'), client_company_id: num('companies'), space_id: num('spaces'),
    });
    const [maps] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.migration_mappings where new_id = ${id}`;
    expect(maps!.n).toBe(1);

    await sql`
      update cortex_projects.projects set name = 'Renamed', description = null, status = 'on_hold', priority = null, budget = 99.99,
        start_date = '2024-02-01', end_date = null, owner_id = ${nid('users', 1)}, client_id = null, space_id = ${nid('spaces', 1)},
        created_at = '2023-01-01 10:00+00', updated_at = '2023-01-02 10:00+00' where id = ${id}`;
    expect(await legacyOf(crmProjects, id)).toMatchObject({
      name: 'Renamed', description: null, status: 'on_hold', priority: null, budget: 99.99, start_date: '2024-02-01', end_date: null,
      owner_user_id: oid('users', 1), client_company_id: null, space_id: num('spaces', 1),
      created_at: '2023-01-01T10:00:00+00:00', updated_at: '2023-01-02T10:00:00+00:00',
    });
    await touchKeepsTarget(crmProjects, id);

    await rejects(sql`update cortex_projects.projects set budget = 1e12 where id = ${id}`, /crm\.projects: budget 1000000000000\.00 does not fit/);
    await rejects(sql`update cortex_projects.projects set client_id = 'cc_nobody' where id = ${id}`, /cannot be written back to crm\.projects: client_id cc_nobody has no crm\.companies row/);
    const { project_id: legacyKey } = (await legacyOf(crmProjects, id)) as { project_id: number };
    // Removing the registry row removes the project (a cascade: row triggers fire), and its legacy row.
    await sql`delete from cortex_foundation.entities where id = ${id}`;
    const [gone] = await sql<{ n: number }[]>`select count(*)::int as n from crm.projects where project_id = ${legacyKey}`;
    expect(gone!.n).toBe(0);
  });

  it('crm.notes: its fields, its tags (content_tags) and its contact, project and triggering message (content links) come back', async () => {
    const sql = db().sql;
    const [msg] = await sql<{ ref: string; id: string }[]>`
      select instance_name || ':' || message_id as ref, message_id as id from whatsapp.messages order by instance_name, message_id limit 1`;
    const [n] = await sql<{ id: string }[]>`
      insert into cortex_knowledge.notes (title, content, note_type, format, space_id, created_by_id, word_count)
      values ('Made on the target', 'one two', 'idea', 'plain_text', ${nid('spaces')}, ${nid('users')}, 2) returning id::text`;
    const id = n!.id;
    const link = (type: string, from: string | null, meta: object | null) => sql`
      insert into cortex_foundation.entity_relationships (from_entity_id, content_type, content_id, relationship_type, metadata)
      values (${from}, 'note', ${id}, ${type}, ${meta === null ? null : sql.json(meta as never)})`;
    await link('note_about_person', nid('contacts'), null);
    await link('note_about_project', nid('projects'), null);
    await link('triggered_by_message', null, { channel: 'whatsapp', message: msg!.ref });
    // Tags the target already has (the backfill made them), linked in reverse name order.
    await sql`
      insert into cortex_foundation.content_tags (content_type, content_id, tag_id)
      select 'note', ${id}, t.id from cortex_foundation.tags t where t.scope = 'global' and t.name in ('work', 'family')`;
    expect(await legacyOf(crmNotes, id)).toMatchObject({
      title: 'Made on the target', content: 'one two', note_type: 'idea', format: 'plain', contact_id: num('contacts'),
      project_id: num('projects'), triggering_message_id: msg!.id, tags: ['family', 'work'], space_id: num('spaces'), created_by: oid('users'),
    });

    await sql`
      update cortex_knowledge.notes set title = null, content = 'changed', word_count = 1, note_type = 'journal', format = 'html', space_id = null,
        created_by_id = ${nid('users', 1)}, created_at = '2023-01-01 10:00+00', updated_at = '2023-01-02 10:00+00' where id = ${id}::uuid`;
    await sql`update cortex_foundation.entity_relationships set from_entity_id = ${nid('contacts', 1)} where content_id = ${id} and relationship_type = 'note_about_person'`;
    await sql`delete from cortex_foundation.entity_relationships where content_id = ${id} and relationship_type in ('note_about_project', 'triggered_by_message')`;
    await sql`
      delete from cortex_foundation.content_tags ct using cortex_foundation.tags t
       where ct.content_type = 'note' and ct.content_id = ${id} and t.id = ct.tag_id and t.name = 'work'`;
    expect(await legacyOf(crmNotes, id)).toMatchObject({
      title: null, content: 'changed', note_type: 'journal', format: 'html', contact_id: num('contacts', 1), project_id: null,
      triggering_message_id: null, tags: ['family'], space_id: null, created_by: oid('users', 1),
      created_at: '2023-01-01T10:00:00+00:00', updated_at: '2023-01-02T10:00:00+00:00',
    });
    await touchKeepsTarget(crmNotes, id);

    await rejects(link('note_about_project', 'cj_nobody', null), /cannot be written back to crm\.notes: note_about_project cj_nobody has no crm\.projects row/);
    await rejects(link('triggered_by_message', null, { channel: 'whatsapp', message: 'instance_1:WAM_NOT_THERE' }),
      /triggered_by_message 'instance_1:WAM_NOT_THERE' is not in whatsapp\.messages/);

    const { note_id: legacyKey } = (await legacyOf(crmNotes, id)) as { note_id: number };
    await sql`delete from cortex_knowledge.notes where id = ${id}::uuid`;
    await sql`delete from cortex_foundation.entity_relationships where content_id = ${id}`;
    await sql`delete from cortex_foundation.content_tags where content_id = ${id}`;
    const [gone] = await sql<{ n: number }[]>`select count(*)::int as n from crm.notes where note_id = ${legacyKey}`;
    expect(gone!.n).toBe(0);
  });

  it("crm.notes: moving a backfilled note's derived links moves its legacy contact and project", async () => {
    const sql = db().sql;
    const [n] = await sql<{ id: string; old_id: string }[]>`
      select m.new_id as id, m.old_id from crm.notes l join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'notes'
        and m.old_id = l.note_id::text where l.contact_id is not null and l.project_id is not null order by l.note_id limit 1`;
    await sql`
      update cortex_foundation.entity_relationships set from_entity_id = case relationship_type when 'note_about_person' then ${nid('contacts', 1)}
        else ${nid('projects', 1)} end where content_id = ${n!.id} and relationship_type in ('note_about_person', 'note_about_project')`;
    expect(await legacyOf(crmNotes, n!.id)).toMatchObject({ contact_id: num('contacts', 1), project_id: num('projects', 1) });
    // A second person the application links the note to: legacy holds one, the derived link's.
    await sql`
      insert into cortex_foundation.entity_relationships (from_entity_id, content_type, content_id, relationship_type)
      values (${nid('contacts')}, 'note', ${n!.id}, 'note_about_person')`;
    expect(await legacyOf(crmNotes, n!.id)).toMatchObject({ contact_id: num('contacts', 1) });
    await sql`delete from cortex_foundation.entity_relationships where content_id = ${n!.id} and metadata is null`;
    await touchKeepsTarget(crmNotes, n!.id);
    const [links] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_foundation.entity_relationships where content_id = ${n!.id}
      and relationship_type in ('note_about_person', 'note_about_project')`;
    expect(links!.n).toBe(2);
  });

  it('finance.accounts: an account created, changed in every column and deleted; frozen cannot go back', async () => {
    const sql = db().sql;
    const id = 'ca_made_on_the_target';
    await sql`insert into cortex_foundation.entities (id, entity_type, name) values (${id}, 'account', 'Made on the target')`;
    await sql`
      insert into cortex_finance.accounts (id, name, account_type, account_number, institution_name, current_balance, currency, owner_id, status)
      values (${id}, 'Made on the target', 'savings', '****0001', 'Bank', 10.5, 'EUR', ${nid('users')}, 'active')`;
    expect(await legacyOf(financeAccounts, id)).toMatchObject({
      name: 'Made on the target', account_type: 'savings', account_number_masked: '****0001', institution_name: 'Bank',
      current_balance: 10.5, currency: 'EUR', owner_user_id: oid('users'), is_active: true,
    });
    await sql`
      update cortex_finance.accounts set name = 'Renamed', account_type = 'loan', account_number = null, institution_name = null,
        current_balance = -3, currency = 'BRL', owner_id = ${nid('users', 1)}, status = 'closed', created_at = '2023-01-01 10:00+00',
        updated_at = '2023-01-01 10:00+00' where id = ${id}`;
    expect(await legacyOf(financeAccounts, id)).toMatchObject({
      name: 'Renamed', account_type: 'loan', account_number_masked: null, institution_name: null, current_balance: -3, currency: 'BRL',
      owner_user_id: oid('users', 1), is_active: false, created_at: '2023-01-01T10:00:00+00:00',
    });
    await touchKeepsTarget(financeAccounts, id);
    await rejects(sql`update cortex_finance.accounts set status = 'frozen' where id = ${id}`, /finance\.accounts: status 'frozen' has no finance\.accounts value/);
    await rejects(sql`update cortex_finance.accounts set owner_id = 'cu_nobody' where id = ${id}`, /owner_id cu_nobody has no app\.users row/);
    const { account_id: legacyKey } = (await legacyOf(financeAccounts, id)) as { account_id: number };
    await sql`delete from cortex_finance.accounts where id = ${id}`;
    const [gone] = await sql<{ n: number }[]>`select count(*)::int as n from finance.accounts where account_id = ${legacyKey}`;
    expect(gone!.n).toBe(0);
    await sql`delete from cortex_foundation.entities where id = ${id}`;
  });

  it('finance.transactions: income keeps its account in to_account_id, expense and transfer in from_account_id, as credit and debit', async () => {
    const sql = db().sql;
    const [t] = await sql<{ id: string }[]>`
      insert into cortex_finance.transactions (amount, transaction_type, description, transaction_date, to_account_id, category, vendor_id, project_id)
      values (12.5, 'income', 'salary', '2024-01-02', ${nid('accounts')}, 'salary', ${nid('companies')}, ${nid('projects')}) returning id::text`;
    const id = t!.id;
    expect(await legacyOf(financeTransactions, id)).toMatchObject({
      account_id: num('accounts'), amount: 12.5, transaction_type: 'credit', description: 'salary', category: 'salary',
      transaction_date: '2024-01-02', vendor_company_id: num('companies'), project_id: num('projects'),
    });
    await sql`
      update cortex_finance.transactions set amount = 7, transaction_type = 'expense', description = null, transaction_date = '2024-02-03',
        to_account_id = null, from_account_id = ${nid('accounts', 1)}, category = null, vendor_id = null, project_id = ${nid('projects', 1)},
        created_at = '2023-01-01 10:00+00', updated_at = '2023-01-01 10:00+00' where id = ${id}::uuid`;
    expect(await legacyOf(financeTransactions, id)).toMatchObject({
      account_id: num('accounts', 1), amount: 7, transaction_type: 'debit', description: null, category: null,
      transaction_date: '2024-02-03', vendor_company_id: null, project_id: num('projects', 1), created_at: '2023-01-01T10:00:00+00:00',
    });
    await touchKeepsTarget(financeTransactions, id);
    await sql`update cortex_finance.transactions set transaction_type = 'transfer' where id = ${id}::uuid`;
    expect(await legacyOf(financeTransactions, id)).toMatchObject({ account_id: num('accounts', 1), transaction_type: 'transfer' });
    await touchKeepsTarget(financeTransactions, id);

    await rejects(sql`update cortex_finance.transactions set to_account_id = ${nid('accounts')} where id = ${id}::uuid`,
      /to_account_id ca_\w+ has no finance\.transactions column \(transaction_type transfer keeps its one account_id in from_account_id\)/);
    await rejects(sql`update cortex_finance.transactions set transaction_type = 'income' where id = ${id}::uuid`, /no account: to_account_id is null/);
    await rejects(sql`update cortex_finance.transactions set vendor_id = 'cc_nobody' where id = ${id}::uuid`, /vendor_id cc_nobody has no crm\.companies row/);
    const { transaction_id: legacyKey } = (await legacyOf(financeTransactions, id)) as { transaction_id: number };
    await sql`delete from cortex_finance.transactions where id = ${id}::uuid`;
    const [gone] = await sql<{ n: number }[]>`select count(*)::int as n from finance.transactions where transaction_id = ${legacyKey}`;
    expect(gone!.n).toBe(0);
  });

  const bills = [
    { name: 'finance.payables', spec: financePayables, table: 'cortex_finance.bills_payable', party: 'vendor', paid: 'amount_paid', date: 'bill_date', first: ['unpaid', 'pending'] },
    { name: 'finance.receivables', spec: financeReceivables, table: 'cortex_finance.bills_receivable', party: 'customer', paid: 'amount_received', date: 'invoice_date', first: ['sent', 'sent'] },
  ] as const;
  it.each(bills)('$name: a bill created, changed in every column and deleted', async ({ spec, table, party, paid, date, first }) => {
    const sql = db().sql;
    const [t] = await sql<{ id: string }[]>`
      insert into ${sql(table)} (${sql(`${party}_id`)}, amount, ${sql(paid)}, ${sql(date)}, due_date, status, project_id, account_id, description)
      values (${nid('companies')}, 100, 0, '2024-01-01', '2024-01-31', ${first[0]}, ${nid('projects')}, ${nid('accounts')}, 'made on the target')
      returning id::text`;
    const id = t!.id;
    const legacyParty = `${party}_company_id`;
    expect(await legacyOf(spec, id)).toMatchObject({
      [legacyParty]: num('companies'), amount: 100, [paid]: 0, [date]: '2024-01-01', due_date: '2024-01-31', status: first[1],
      project_id: num('projects'), account_id: num('accounts'), description: 'made on the target',
    });
    await sql`
      update ${sql(table)} set ${sql(`${party}_id`)} = ${nid('companies', 1)}, amount = 200, ${sql(paid)} = 50, ${sql(date)} = null,
        due_date = '2024-03-01', status = 'partially_paid', project_id = null, account_id = ${nid('accounts', 1)}, description = null,
        created_at = '2023-01-01 10:00+00', updated_at = '2023-01-01 10:00+00' where id = ${id}::uuid`;
    expect(await legacyOf(spec, id)).toMatchObject({
      [legacyParty]: num('companies', 1), amount: 200, [paid]: 50, [date]: null, due_date: '2024-03-01', status: 'partial',
      project_id: null, account_id: num('accounts', 1), description: null, created_at: '2023-01-01T10:00:00+00:00',
    });
    await touchKeepsTarget(spec, id);
    await rejects(sql`update ${sql(table)} set account_id = 'ca_nobody' where id = ${id}::uuid`,
      new RegExp(`cannot be written back to ${spec.legacy.schema}\\.${spec.legacy.table}: account_id ca_nobody has no finance\\.accounts row`));
    const legacyKey = (await legacyOf(spec, id))![spec.legacy.key[0]!.name] as number;
    await sql`delete from ${sql(table)} where id = ${id}::uuid`;
    const [gone] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${legacy(spec)} where ${key(spec)} = $1`, [legacyKey]);
    expect(gone!.n).toBe(0);
  });

  it('validation passes after all of it: every target row is accounted for and both sides agree', async () => {
    expect((await cli(['migrate', 'phase', '5'])).code).toBe(0);
    const r = await cli(['validate']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});
