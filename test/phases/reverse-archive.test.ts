// The archive keeps the way back: target writes made after the cutover (tasks, persons,
// transactions: created, changed, deleted) are in the renamed legacy tables, a rollback of phase 6
// brings them back under their names, and the rollbacks down to phase 1 leave the legacy data with
// every write; purge ends the way back with the schemas.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/client.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';
import { dataState } from '../helpers/state.js';

const db = useFreshDatabase('rvarc');
const cli = (args: string[]) => runCli(['--database-url', db().url, ...args]);
const LEGACY = ['crm', 'app', 'calendar', 'finance', 'actions'];
// Where a server with a compatible pg_dump backs up (--skip-backup is for those without one).
const archiveArgs = () => ['--yes', '--skip-backup', '--backup-dir', mkdtempSync(join(tmpdir(), 'cortex-rvarc-'))];

async function taskTitles(sql: Sql, schema: string): Promise<string[]> {
  const rows = await sql<{ title: string }[]>`select title from ${sql(schema)}.tasks where title like 'After the cutover%' order by title`;
  return rows.map((r) => r.title);
}

describe('the way back across the archive', () => {
  it('target writes after the archive are in crm_deprecated, and come back with rollback 6', async () => {
    await loadLegacyFixture(db().sql, { scale: 0.02, seed: 31, dirty: false, replace: false });
    const r = await cli(['migrate', 'all', ...archiveArgs()]);
    expect(r.code, r.stderr.slice(-400)).toBe(0);
    const sql = db().sql;
    const [moved] = await sql<{ id: string }[]>`select id::text from cortex_projects.tasks order by id limit 1`;
    const [gone] = await sql<{ id: string }[]>`select id::text from cortex_projects.tasks order by id offset 1 limit 1`;
    await sql`insert into cortex_projects.tasks (title, status) values ('After the cutover: new', 'in_progress')`;
    await sql`update cortex_projects.tasks set title = 'After the cutover: renamed' where id = ${moved!.id}::uuid`;
    await sql`delete from cortex_projects.tasks where id = ${gone!.id}::uuid`;
    expect(await taskTitles(sql, 'crm_deprecated')).toEqual(['After the cutover: new', 'After the cutover: renamed']);

    expect((await cli(['rollback', 'phase', '6', '--yes'])).code).toBe(0);
    expect(await taskTitles(sql, 'crm')).toEqual(['After the cutover: new', 'After the cutover: renamed']);
    const [k] = await sql<{ old_id: string }[]>`select old_id from cortex_migration.migration_mappings where new_id = ${gone!.id}`;
    const [deleted] = await sql<{ n: number }[]>`select count(*)::int as n from crm.tasks where task_id = ${Number(k!.old_id)}`;
    expect(deleted!.n).toBe(0);
    // A legacy touch syncs forward what the legacy rows hold: the target keeps what the application wrote.
    await sql`update crm.tasks set priority = priority where title like 'After the cutover%'`;
    expect(await taskTitles(sql, 'cortex_projects')).toEqual(['After the cutover: new', 'After the cutover: renamed']);
    const [status] = await sql<{ status: string }[]>`select status from crm.tasks where title = 'After the cutover: new'`;
    expect(status!.status).toBe('in_progress');
  });

  it('the same for persons and transactions: created, changed and deleted on the target after the archive, all back with rollback 6', async () => {
    expect((await cli(['migrate', 'all', ...archiveArgs()])).code).toBe(0);
    const sql = db().sql;
    const [p1, p2] = await sql<{ id: string }[]>`select id from cortex_entities.persons order by id limit 2`;
    const [x1, x2] = await sql<{ id: string }[]>`select id::text from cortex_finance.transactions order by id limit 2`;
    const [account] = await sql<{ id: string }[]>`select id from cortex_finance.accounts order by id limit 1`;
    const person = `cp_${'a1'.repeat(16)}`;
    await sql.begin(async (tx) => {
      await tx`insert into cortex_foundation.entities (id, entity_type, name) values (${person}, 'person', 'Met After the Cutover')`;
      await tx`insert into cortex_entities.persons (id, full_name) values (${person}, 'Met After the Cutover')`;
    });
    await sql`update cortex_entities.persons set full_name = 'Renamed After the Cutover', profession = 'Archivist' where id = ${p1!.id}`;
    await sql`delete from cortex_foundation.entities where id = ${p2!.id}`;
    await sql`insert into cortex_finance.transactions (amount, transaction_type, transaction_date, from_account_id, description)
              values (12.50, 'expense', date '2026-12-01', ${account!.id}, 'Paid after the cutover')`;
    await sql`update cortex_finance.transactions set amount = 99.99, description = 'Changed after the cutover' where id = ${x1!.id}::uuid`;
    await sql`delete from cortex_finance.transactions where id = ${x2!.id}::uuid`;

    expect((await cli(['rollback', 'phase', '6', '--yes'])).code).toBe(0);
    const legacyOf = async (newId: string) => {
      const [m] = await sql<{ old_id: string }[]>`select old_id from cortex_migration.migration_mappings where new_id = ${newId}`;
      return m!.old_id;
    };
    const contacts = await sql<{ full_name: string; profession: string | null }[]>`
      select full_name, profession from crm.contacts where full_name like '%After the Cutover' order by full_name`;
    expect(contacts).toEqual([{ full_name: 'Met After the Cutover', profession: null }, { full_name: 'Renamed After the Cutover', profession: 'Archivist' }]);
    const [gone] = await sql<{ n: number }[]>`select count(*)::int as n from crm.contacts where contact_id = ${Number(await legacyOf(p2!.id))}`;
    expect(gone!.n).toBe(0);
    const money = await sql<{ amount: string; transaction_type: string; description: string }[]>`
      select amount::text, transaction_type, description from finance.transactions where description like '%after the cutover' order by description`;
    expect(money).toEqual([
      { amount: '99.99', transaction_type: expect.any(String), description: 'Changed after the cutover' },
      { amount: '12.50', transaction_type: 'debit', description: 'Paid after the cutover' },
    ]);
    const [goneX] = await sql<{ n: number }[]>`select count(*)::int as n from finance.transactions where transaction_id = ${Number(await legacyOf(x2!.id))}`;
    expect(goneX!.n).toBe(0);
    // Legacy touches of the changed rows leave the target as the application wrote it.
    await sql`update crm.contacts set notes = notes where full_name like '%After the Cutover'`;
    await sql`update finance.transactions set category = category where description like '%after the cutover'`;
    const persons = await sql<{ full_name: string }[]>`select full_name from cortex_entities.persons where full_name like '%After the Cutover' order by 1`;
    expect(persons.map((r) => r.full_name)).toEqual(['Met After the Cutover', 'Renamed After the Cutover']);
    const [changed] = await sql<{ amount: string }[]>`select amount::text from cortex_finance.transactions where id = ${x1!.id}::uuid`;
    expect(changed!.amount).toBe('99.99');

    // Down to nothing: the legacy data keeps every write made on the target.
    const legacyBefore = await dataState(sql, LEGACY);
    for (const n of [5, 4, 3, 2, 1]) expect((await cli(['rollback', 'phase', String(n), '--yes'])).code, `rollback ${n}`).toBe(0);
    expect(await dataState(sql, LEGACY)).toEqual(legacyBefore);
    expect(await taskTitles(sql, 'crm')).toEqual(['After the cutover: new', 'After the cutover: renamed']);
  });

  it('purge removes the reverse triggers with the archived schemas: target writes go on without a way back', async () => {
    expect((await cli(['migrate', 'all', ...archiveArgs()])).code).toBe(0);
    const purge = await cli(['--yes', 'archive', 'purge', '--confirm', db().name, '--force']);
    expect(purge.code, purge.stderr).toBe(0);
    expect(purge.stdout).toContain('the way back is removed');
    const [t] = await db().sql<{ n: number }[]>`select count(*)::int as n from pg_trigger where tgname = 'cortex_reverse_sync'`;
    expect(t!.n).toBe(0);
    await db().sql`insert into cortex_projects.tasks (title) values ('After the purge')`;
  });
});
