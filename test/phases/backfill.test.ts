import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { backfillTable } from '../../src/backfill/engine.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { createDatabase, dropDatabase, type TestDatabase, useFreshDatabase, waitForNoRun } from '../helpers/db.js';
import { countParity as parity } from '../helpers/parity.js';

const settings = { lockTimeoutMs: 2000, statementTimeoutMs: 0, lockRetries: 3, options: {} };

// These tests check what the copy writes, not its pace: without the governor, which would make the
// backfill yield to the other test files sharing the server (its own tests: backfill-governor.test.ts).
async function phases(db: TestDatabase, upTo: number, extra: string[] = ['--no-governor']) {
  for (let n = 1; n <= upTo; n++) {
    const r = await runCli(['--database-url', db.url, '--json', 'migrate', 'phase', String(n), ...(n === 3 ? extra : [])]);
    if (r.code !== 0) throw new Error(`phase ${n} exited ${r.code}: ${r.stderr.slice(-500)}`);
  }
}

describe('phase 3 on a clean scale-1 fixture', () => {
  const db = useFreshDatabase('bf');

  it('copies every mapped table completely, with no quarantine', async () => {
    await loadLegacyFixture(db().sql, { scale: 1, seed: 7, dirty: false, replace: false });
    await phases(db(), 3);
    const rows = await parity(db());
    expect(rows.length).toBe(22);
    for (const r of rows) {
      expect(r.target, r.t).toBe(r.legacy);
      expect(r.q, r.t).toBe(0);
    }
    // Status reports the copy from the checkpoints.
    const st = await runCli(['--database-url', db().url, 'status']);
    expect(st.stdout).toContain(`backfill: 22/22 tables copied, ${rows.reduce((n, r) => n + r.legacy, 0).toLocaleString('en-US')} rows`);
    expect(st.stdout).toContain('change log: 0 entries not yet replayed');
    // Filled tables are analyzed before dual-write plans are cached from their statistics.
    const unanalyzed = await db().sql<{ t: string }[]>`
      select schemaname || '.' || relname as t from pg_stat_user_tables
      where left(schemaname, 7) = 'cortex_' and last_analyze is null and last_autoanalyze is null`;
    expect(unanalyzed.map((r) => r.t)).toEqual([]);
  });

  it('is faithful: names, amounts, dates, statuses and mapped references', async () => {
    const sql = db().sql;
    const [p] = await sql<{ ok: boolean }[]>`
      select bool_and(p.full_name = c.full_name and p.created_at = c.created_at and e.name = c.full_name and e.entity_type = 'person') as ok
      from crm.contacts c
      join cortex_migration.migration_mappings mm on mm.old_table = 'contacts' and mm.old_id = c.contact_id::text
      join cortex_entities.persons p on p.id = mm.new_id join cortex_foundation.entities e on e.id = p.id`;
    expect(p!.ok).toBe(true);
    const [t] = await sql<{ bad: number; pending: number }[]>`
      select count(*) filter (where t.amount <> l.amount or t.transaction_date <> l.transaction_date
                                or coalesce(t.from_account_id, t.to_account_id) <> a.new_id)::int as bad, 0 as pending
      from finance.transactions l
      join cortex_migration.migration_mappings mm on mm.old_table = 'transactions' and mm.old_id = l.transaction_id::text
      join cortex_finance.transactions t on t.id = mm.new_id::uuid
      join cortex_migration.migration_mappings a on a.old_table = 'accounts' and a.old_id = l.account_id::text`;
    expect(t!.bad).toBe(0);
    const [s] = await sql<{ pending: number; todo: number; legacy_pending: number; wrong_project: number }[]>`
      select (select count(*) from cortex_projects.tasks where status = 'pending')::int as pending,
             (select count(*) from cortex_projects.tasks where status = 'todo')::int as todo,
             (select count(*) from crm.tasks where status = 'pending')::int as legacy_pending,
             (select count(*) from crm.tasks l
               join cortex_migration.migration_mappings mm on mm.old_table = 'tasks' and mm.old_id = l.task_id::text
               join cortex_projects.tasks t on t.id = mm.new_id::uuid
               left join cortex_migration.migration_mappings pj on pj.old_table = 'projects' and pj.old_id = l.project_id::text
               where t.project_id is distinct from pj.new_id or t.due_date is distinct from l.due_date or t.title <> l.title)::int as wrong_project`;
    expect(s!.pending).toBe(0);
    expect(s!.todo).toBe(s!.legacy_pending);
    expect(s!.wrong_project).toBe(0);
    const [links] = await sql<{ wa: number; trig: number; tags: number }[]>`
      select (select count(*) from cortex_communication.channel_entity_links where channel_type = 'whatsapp')::int as wa,
             (select count(*) from cortex_foundation.entity_relationships where relationship_type = 'triggered_by_message' and content_type = 'task')::int as trig,
             (select count(*) from cortex_foundation.entity_tags)::int as tags`;
    expect(links!.wa).toBeGreaterThan(1000);
    expect(links!.trig).toBeGreaterThan(100);
    expect(links!.tags).toBeGreaterThan(1000);
    const [items] = await sql<{ bad: number }[]>`
      select count(*)::int as bad from cortex_foundation.space_items i
      where i.item_type = 'task' and not exists (select 1 from cortex_projects.tasks t where t.id::text = i.item_id)`;
    expect(items!.bad).toBe(0);
  });

  it('is idempotent: a second full pass writes nothing new and duplicates nothing', async () => {
    const sql = db().sql;
    const before = await parity(db());
    await sql`update cortex_migration.backfill_checkpoints set finished_at = null, last_key = null`;
    const conn = await sql.reserve();
    try {
      const r = await backfillTable(conn as never, settings, 'crm', 'tasks', { batchSize: 5000, batchDelayMs: 0 });
      expect(r.rows).toBe(30000);
    } finally {
      conn.release();
    }
    expect(await parity(db())).toEqual(before);
    const [d] = await sql<{ n: number }[]>`select (count(*) - count(distinct id))::int as n from cortex_projects.tasks`;
    expect(d!.n).toBe(0);
  });

  it('stops at the largest key present when it started; later inserts wait in the change log', async () => {
    const sql = db().sql;
    await sql`update cortex_migration.backfill_checkpoints set finished_at = null, last_key = null where old_table = 'projects'`;
    const conn = await sql.reserve();
    let added: number[] = [];
    try {
      const r = await backfillTable(conn as never, settings, 'crm', 'projects', {
        batchSize: 250,
        batchDelayMs: 0,
        afterBatch: async (_t, n) => {
          if (n !== 1) return;
          const rows = await sql<{ id: number }[]>`
            insert into crm.projects (name) values ('Started after the backfill'), ('Also after') returning project_id as id`;
          added = rows.map((x) => x.id);
        },
      });
      expect(r.rows).toBe(1000);
      expect(r.batches).toBe(4);
    } finally {
      conn.release();
    }
    expect(added).toHaveLength(2);
    const [s] = await sql<{ in_target: number; logged: number }[]>`
      select (select count(*) from cortex_migration.migration_mappings mm join cortex_projects.projects p on p.id = mm.new_id
               where mm.old_table = 'projects' and mm.old_id = any(${added.map(String)}::text[]))::int as in_target,
             (select count(distinct k) from cortex_migration.change_log c, unnest(c.old_ids) k
               where c.old_table = 'projects' and k = any(${added.map(String)}::text[]))::int as logged`;
    expect(s).toEqual({ in_target: 0, logged: 2 });
  });

  it('logs the legacy keys of every write statement, old and new, composite keys too', async () => {
    const sql = db().sql;
    const logged = async (table: string) => {
      const rows = await sql<{ ids: string[] }[]>`
        select old_ids as ids from cortex_migration.change_log where old_schema = 'crm' and old_table = ${table}
        order by id desc limit 1`;
      return rows[0]?.ids.slice().sort();
    };
    const [{ n: before }] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.change_log`;
    await sql`update crm.notes set note_id = 900001 where note_id = 7`;
    expect(await logged('notes')).toEqual(['7', '900001']);
    await sql`insert into crm.notes (note_id, contact_id, content) values (900002, 1, 'a'), (900003, 1, 'b')`;
    expect(await logged('notes')).toEqual(['900002', '900003']);
    await sql`delete from crm.notes where note_id in (900001, 900002, 900003)`;
    expect(await logged('notes')).toEqual(['900001', '900002', '900003']);
    const [m] = await sql<{ c: number; k: number }[]>`
      select contact_id as c, company_id as k from crm.contact_company_memberships order by 1, 2 limit 1`;
    await sql`update crm.contact_company_memberships set contact_id = contact_id where contact_id = ${m!.c} and company_id = ${m!.k}`;
    expect(await logged('contact_company_memberships')).toEqual([`${m!.c}:${m!.k}`]);
    // A statement that touches no row logs nothing.
    await sql`update crm.notes set content = content where note_id = -1`;
    const [{ n: after }] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.change_log`;
    expect(after - before).toBe(4);
  });

  it('honours --max-rows-per-second', async () => {
    const sql = db().sql;
    await sql`update cortex_migration.backfill_checkpoints set finished_at = null, last_key = null where old_table = 'companies'`;
    const conn = await sql.reserve();
    try {
      const t0 = Date.now();
      const r = await backfillTable(conn as never, settings, 'crm', 'companies', { batchSize: 250, batchDelayMs: 0, maxRowsPerSecond: 1000 });
      expect(r.rows).toBe(2000);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    } finally {
      conn.release();
    }
  });

  it('rollback refuses when the target holds rows it did not write, unless --force', async () => {
    await db().sql`insert into cortex_foundation.entities (id, entity_type, name) values ('cp_newapp', 'person', 'New App')`;
    await db().sql`insert into cortex_entities.persons (id, full_name) values ('cp_newapp', 'New App')`;
    const refused = await runCli(['--database-url', db().url, 'rollback', 'phase', '3', '--yes']);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain('cortex_entities.persons (1)');
    // Refused before the confirmation is asked for: without --yes and a terminal, still exit 6.
    const unasked = await runCli(['--database-url', db().url, 'rollback', 'phase', '3']);
    expect(unasked.code, unasked.stderr).toBe(6);
    expect(unasked.stderr).toContain('cortex_entities.persons (1)');
    const forced = await runCli(['--database-url', db().url, 'rollback', 'phase', '3', '--yes', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    const [n] = await db().sql<{ persons: number; quarantine: boolean }[]>`
      select (select count(*) from cortex_entities.persons)::int as persons, to_regclass('cortex_migration.quarantine') is not null as quarantine`;
    expect(n).toEqual({ persons: 0, quarantine: false });
  });
});

describe('phase 3 on a dirty fixture', () => {
  it('migrates or quarantines every row, each quarantined row with a reason', async () => {
    const d = await createDatabase('bfd');
    try {
      await loadLegacyFixture(d.sql, { scale: 0.2, seed: 5, dirty: true, replace: false });
      await phases(d, 3);
      for (const r of await parity(d)) expect(r.target + r.q, r.t).toBe(r.legacy);
      const q = await d.sql<{ old_table: string; reason: string }[]>`select old_table, reason from cortex_migration.quarantine order by 1, 2`;
      expect(q.length).toBeGreaterThan(30);
      for (const row of q) expect(row.reason.length).toBeGreaterThan(5);
      const reasons = q.map((r) => r.reason).join('\n');
      expect(reasons).toContain("unknown status 'blocked'");
      expect(reasons).toContain('has no crm.projects row');
      expect(reasons).toContain('tags is not an array of strings');
      // Normalisable values migrate: ' pending ' becomes todo, non-ASCII text is kept.
      const ok = await d.sql<{ title: string; status: string }[]>`
        select title, status from cortex_projects.tasks where title in ('dirty: padded status', 'タスク 🚀 dirty: non-ascii') order by title`;
      expect(ok.map((r) => r.status)).toEqual(['todo', 'todo']);
    } finally {
      await dropDatabase(d);
    }
  });
});

describe('crash and resume', () => {
  it('kill -9 mid-backfill, rerun: completes with equal counts and no duplicates', async () => {
    const d = await createDatabase('bfk');
    try {
      await loadLegacyFixture(d.sql, { scale: 0.4, seed: 9, dirty: false, replace: false });
      await phases(d, 2);
      const child = spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', d.url, 'migrate', 'phase', '3',
        '--batch-size', '500', '--max-rows-per-second', '20000'], { stdio: 'ignore' });
      // Wait until some batches committed, then kill without warning.
      for (let i = 0; i < 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const [c] = await d.sql<{ n: string }[]>`
          select coalesce(sum(rows_done), 0)::text as n from cortex_migration.backfill_checkpoints`.catch(() => [{ n: '0' }]);
        if (Number(c!.n) > 20000) break;
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const [mid] = await d.sql<{ done: string; finished: number }[]>`
        select sum(rows_done)::text as done, count(*) filter (where finished_at is not null)::int as finished from cortex_migration.backfill_checkpoints`;
      expect(Number(mid!.done)).toBeGreaterThan(20000);
      expect(Number(mid!.done)).toBeLessThan(170000);
      // Status names the interrupted step and the copy so far, from the checkpoints.
      await waitForNoRun(d.sql);
      const st = (await runCli(['--database-url', d.url, 'status'])).stdout;
      expect(st).toMatch(/phase 3 backfill +failed/);
      expect(st).toMatch(/failed +3-backfill\/010-backfill-rows +interrupted: /);
      expect(st).toContain(`backfill: ${mid!.finished}/22 tables copied, ${Number(mid!.done).toLocaleString('en-US')} rows`);
      const partial = await d.sql<{ t: string }[]>`
        select old_schema || '.' || old_table as t from cortex_migration.backfill_checkpoints where finished_at is null and batches > 0`;
      for (const p of partial) expect(st).toMatch(new RegExp(`^  ${p.t} +[\\d,]+/[\\d,]+ +\\d+%  part-way, \\d+ batch(es)?, last batch \\d+s ago$`, 'm'));
      // Every table the copy reached is listed, copied ones too.
      const copied = await d.sql<{ t: string }[]>`
        select old_schema || '.' || old_table as t from cortex_migration.backfill_checkpoints where finished_at is not null`;
      expect(copied.length).toBe(mid!.finished);
      for (const p of copied) expect(st).toMatch(new RegExp(`^  ${p.t} +[\\d,]+/[\\d,]+ +100%  copied$`, 'm'));
      // The killed run left a stale backend only if its connection lingers; the rerun must not wait for it.
      const rerun = await runCli(['--database-url', d.url, '--json', 'migrate', 'phase', '3']);
      expect(rerun.code, rerun.stderr.slice(-400)).toBe(0);
      for (const r of await parity(d)) {
        expect(r.target, r.t).toBe(r.legacy);
        expect(r.q, r.t).toBe(0);
      }
      const [dup] = await d.sql<{ n: number }[]>`select (count(*) - count(distinct id))::int n from cortex_finance.transactions`;
      expect(dup!.n).toBe(0);
    } finally {
      await dropDatabase(d);
    }
  });
});
