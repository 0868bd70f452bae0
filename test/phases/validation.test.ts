import { describe, expect, it } from 'vitest';
import { verify as validationChecks } from '../../phases/5-validation/010-validate.js';
import { parseDatabaseUrl } from '../../src/config/connection.js';
import type { Sql } from '../../src/db/client.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('val');

describe('phase 5 validation', () => {
  it('passes after phases 1-5 on a clean fixture', async () => {
    await loadLegacyFixture(db().sql, { scale: 0.2, seed: 8, dirty: false, replace: false });
    for (const n of [1, 2, 3, 4, 5]) {
      const r = await runCli(['--database-url', db().url, '--json', 'migrate', 'phase', String(n)]);
      expect(r.code, r.stdout.slice(-600)).toBe(0);
    }
    const r = await runCli(['--database-url', db().url, '--json', 'validate']);
    expect(r.code).toBe(0);
    const ids = JSON.parse(r.stdout).data.report.steps.flatMap((s: { checks: Array<{ id: string }> }) => s.checks.map((c) => c.id));
    expect(ids).toEqual(expect.arrayContaining(['count-crm.contacts', 'content-crm.contacts', 'references-resolve', 'mapping-bijection', 'whatsapp-unchanged', 'dual-write-triggers']));
  });

  it('without a second connection, runs the same checks on one (and still passes)', async () => {
    const unreachable = parseDatabaseUrl('postgres://nobody:x@127.0.0.1:1/none', 'option');
    const logs: string[] = [];
    const settings = { lockTimeoutMs: 2000, statementTimeoutMs: 0, lockRetries: 0, options: {} };
    const checks = await db().sql.begin('isolation level repeatable read', (tx) =>
      validationChecks({ sql: tx as unknown as Sql, settings, log: (m) => logs.push(m), target: unreachable }),
    );
    expect(logs.join('\n')).toContain('second connection unavailable');
    expect(checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(checks.filter((c) => c.id.startsWith('content-'))).toHaveLength(22);
    expect(checks.map((c) => c.id)).toContain('whatsapp-unchanged');
  });

  it('a contact that becomes unmigratable: its e-mails are counted as quarantined, not as missing content; fixed, all passes', async () => {
    const sql = db().sql;
    const [c] = await sql<{ id: number; name: string }[]>`
      select c.contact_id as id, c.full_name as name from crm.contacts c
       where exists (select 1 from crm.contact_emails e where e.contact_id = c.contact_id) order by 1 limit 1`;
    type Checks = Array<{ id: string; status: string }>;
    const validate = async (): Promise<{ code: number | null; checks: Checks }> => {
      const r = await runCli(['--database-url', db().url, '--json', 'validate']);
      return { code: r.code, checks: JSON.parse(r.stdout).data.report.steps.flatMap((s: { checks: Checks }) => s.checks) };
    };
    await sql`update crm.contacts set full_name = repeat('x', 300) where contact_id = ${c!.id}`;
    const broken = await validate();
    await sql`update crm.contacts set full_name = ${c!.name} where contact_id = ${c!.id}`;
    const fixed = await validate();
    const status = (checks: Checks, id: string) => checks.find((x) => x.id === id)?.status;
    // Only what really dangles may fail: references to the quarantined person from other rows.
    expect(broken.checks.filter((x) => x.status === 'failed' && x.id !== 'references-resolve')).toEqual([]);
    expect(status(broken.checks, 'count-crm.contacts')).toBe('warning');
    expect(status(broken.checks, 'count-crm.contact_emails')).toBe('warning');
    expect(status(broken.checks, 'content-crm.contact_emails')).toBe('passed');
    expect(fixed.code).toBe(0);
    expect(fixed.checks.filter((x) => x.status !== 'passed')).toEqual([]);
  });

  it('when one connection fails, returns only after the other has stopped checking', async () => {
    // A Ctrl-C used to leave the second connection validating after the step had failed and the
    // CLI had cleaned up, which kept the process alive.
    const target = parseDatabaseUrl(db().url, 'option');
    const settings = { lockTimeoutMs: 2000, statementTimeoutMs: 0, lockRetries: 0, options: {} };
    const logs: string[] = [];
    let failed = false;
    const err = await db()
      .sql.begin('isolation level repeatable read', (tx) =>
        validationChecks({
          sql: tx as unknown as Sql,
          settings,
          target,
          log: (m) => {
            logs.push(m);
            if (!failed) {
              failed = true;
              throw new Error('first table failed');
            }
          },
        }),
      )
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('first table failed');
    const atReturn = logs.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(logs.length).toBe(atReturn);
    expect(atReturn).toBeGreaterThan(1);
  });

  it('names the tables and keys changed behind its back (exit 1)', async () => {
    const sql = db().sql;
    const [p] = await sql<{ id: string; old_id: string }[]>`
      select p.id, mm.old_id from cortex_entities.persons p join cortex_migration.migration_mappings mm on mm.new_id = p.id
      where mm.old_table = 'contacts' order by mm.old_id limit 1`;
    const [t] = await sql<{ id: string; old_id: string }[]>`
      select t.id, mm.old_id from cortex_finance.transactions t join cortex_migration.migration_mappings mm on mm.new_id = t.id::text
      where mm.old_table = 'transactions' order by mm.old_id limit 1`;
    // Behind the way back too: with its reverse trigger on, a person's write is the application's and reaches crm.contacts.
    await sql`alter table cortex_entities.persons disable trigger cortex_reverse_sync`;
    await sql`update cortex_entities.persons set full_name = 'Tampered Name' where id = ${p!.id}`;
    await sql`alter table cortex_entities.persons enable trigger cortex_reverse_sync`;
    await sql`alter table cortex_finance.transactions disable trigger cortex_reverse_sync`;
    await sql`delete from cortex_finance.transactions where id = ${t!.id}`;
    await sql`alter table cortex_finance.transactions enable trigger cortex_reverse_sync`;
    const r = await runCli(['--database-url', db().url, '--json', 'validate']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout).data.report;
    const failed = report.steps.flatMap((s: { checks: Array<{ id: string; status: string; details?: string }> }) => s.checks)
      .filter((c: { status: string }) => c.status === 'failed');
    const text = JSON.stringify(failed);
    expect(text).toContain('cortex_entities.persons');
    expect(text).toContain(`${p!.old_id} (full_name: `);
    expect(text).toContain('Tampered Name');
    expect(text).toContain('cortex_finance.transactions');
    expect(text).toContain(`${t!.old_id} ((missing in target))`);
    expect(failed.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(['content-crm.contacts', 'count-finance.transactions', 'content-finance.transactions']));
  });
});

describe('validation under write load', () => {
  const live = useFreshDatabase('valw');

  it('raises no false alarm while the application keeps writing', async () => {
    const { default: postgres } = await import('postgres');
    await loadLegacyFixture(live().sql, { scale: 0.2, seed: 13, dirty: false, replace: false });
    for (const n of [1, 2, 3, 4, 5]) expect((await runCli(['--database-url', live().url, 'migrate', 'phase', String(n)])).code).toBe(0);
    const writer = postgres(live().url, { max: 2, onnotice: () => {} });
    let stop = false;
    let writes = 0;
    const loop = async (w: number) => {
      for (let i = 0; !stop; i++) {
        if (i % 3 === 0) await writer`insert into crm.contacts (full_name) values (${`Live ${w}-${i}`})`;
        else if (i % 3 === 1) await writer`update crm.tasks set title = ${`Live ${w}-${i}`} where task_id = ${1 + ((i * 7 + w) % 5000)}`;
        else await writer`delete from crm.contact_emails where id = ${1 + ((i * 11 + w) % 2000)}`;
        writes++;
      }
    };
    const writers = [loop(1), loop(2)];
    try {
      for (let k = 0; k < 2; k++) {
        const r = await runCli(['--database-url', live().url, '--json', 'validate']);
        const failed = JSON.parse(r.stdout).data?.report?.steps?.flatMap((s: { checks: Array<{ status: string }> }) => s.checks).filter((c: { status: string }) => c.status === 'failed');
        expect(failed).toEqual([]);
        expect(r.code).toBe(0);
      }
    } finally {
      stop = true;
      await Promise.all(writers);
      await writer.end();
    }
    expect(writes).toBeGreaterThan(50);
  });
});
