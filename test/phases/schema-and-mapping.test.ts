import { describe, expect, it } from 'vitest';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { loadCoverage } from '../../src/plan/coverage.js';
import { packageRoot } from '../../src/paths.js';
import { TABLES } from '../../phases/tables/index.js';
import { runCli } from '../helpers/cli.js';
import { createDatabase, dropDatabase, useFreshDatabase } from '../helpers/db.js';
import { dataState, schemaState } from '../helpers/state.js';

const db = useFreshDatabase('p12');
const cli = (args: string[], url = db().url) => runCli(['--database-url', url, '--json', ...args]);
const LEGACY = ['app', 'crm', 'calendar', 'finance', 'actions', 'whatsapp'];
const mapped = TABLES.map((t) => ({ oldSchema: t.legacy.schema, oldTable: t.legacy.table, prefix: t.prefix }));

describe('Cortex phases 1 and 2 on a scale-1 fixture', () => {
  let schemaBefore = '';
  let dataBefore: Record<string, string> = {};

  it('phase 1 creates the target and passes its catalog checks', async () => {
    await loadLegacyFixture(db().sql, { scale: 1, seed: 7, dirty: false, replace: false });
    schemaBefore = await schemaState(db().sql);
    dataBefore = await dataState(db().sql, LEGACY);
    const r = await cli(['migrate', 'phase', '1']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout).data.report;
    expect(report.status).toBe('passed');
    const ids = report.steps.flatMap((s: { checks: Array<{ id: string }> }) => s.checks.map((c) => c.id));
    expect(ids).toEqual(expect.arrayContaining(['catalog-tables', 'catalog-columns', 'catalog-indexes', 'catalog-constraints', 'whatsapp-data-unchanged']));
    const [n] = await db().sql<{ n: number }[]>`
      select count(*)::int n from pg_namespace where nspname like 'cortex\\_%' and nspname <> 'cortex_migration'`;
    expect(n!.n).toBe(7);
  });

  it('every target table is mapped from legacy, derived by the syncs, or declared target-only with a reason', async () => {
    const coverage = loadCoverage(packageRoot)!;
    const tables = await db().sql<{ t: string }[]>`
      select n.nspname || '.' || c.relname as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind = 'r' and n.nspname like 'cortex\\_%' and n.nspname <> 'cortex_migration' order by 1`;
    const mapped = new Set(TABLES.map((t) => `${t.target.schema}.${t.target.table}`));
    const unaccounted = tables.map((r) => r.t).filter((t) => !mapped.has(t) && !(t in coverage.targetOnly) && !(t in coverage.derived));
    expect(unaccounted).toEqual([]);
    // Target-only columns name real columns of mapped target tables.
    const cols = await db().sql<{ c: string }[]>`
      select table_schema || '.' || table_name || '.' || column_name as c from information_schema.columns where table_schema like 'cortex\\_%'`;
    const real = new Set(cols.map((r) => r.c));
    for (const k of Object.keys(coverage.targetOnly).filter((x) => x.split('.').length === 3)) expect(real.has(k), k).toBe(true);
    // A column the forward fills on insert only is the application's afterwards: target-only.
    const insertOnly = TABLES.flatMap((t) => (t.insertOnly ?? []).map((c) => `${t.target.schema}.${t.target.table}.${c}`));
    expect(insertOnly.filter((c) => !(c in coverage.targetOnly))).toEqual([]);
  });

  it('the entity registry takes each type under its own prefix and refuses any other pairing', async () => {
    const types = { user: 'cu_', space: 'cs_', person: 'cp_', company: 'cc_', group: 'cg_', object: 'co_', project: 'cj_', account: 'ca_' };
    const insert = (id: string, type: string) =>
      db().sql.begin(async (tx) => {
        await tx`insert into cortex_foundation.entities (id, entity_type) values (${id}, ${type})`;
        throw new Error('accepted');
      }).catch((e: { constraint_name?: string; message: string }) => e.constraint_name ?? e.message);
    for (const [type, prefix] of Object.entries(types)) {
      expect(await insert(`${prefix}t1`, type), type).toBe('accepted');
      const other = prefix === 'cu_' ? 'cs_' : 'cu_';
      expect(await insert(`${other}t1`, type), type).toBe('entities_prefix_matches_type');
    }
    expect(await insert('cu_t1', 'users')).toBe('entities_entity_type_check');
    expect(await insert('cx_t1', 'thing')).toBe('entities_entity_type_check');
  });

  it('verify names a dropped index and a dropped column', async () => {
    await db().sql`drop index cortex_projects.tasks_open_due_idx`;
    await db().sql`alter table cortex_knowledge.bookmarks drop column favicon_url`;
    const r = await cli(['verify', 'phase', '1']);
    expect(r.code).toBe(1);
    const checks = JSON.parse(r.stdout).data.report.steps.flatMap((s: { checks: Array<{ id: string; status: string; details?: string }> }) => s.checks);
    const failed = checks.filter((c: { status: string }) => c.status === 'failed');
    const details = failed.map((c: { details?: string }) => c.details).join(' | ');
    expect(details).toContain('missing index cortex_projects.tasks_open_due_idx');
    expect(details).toContain('missing column cortex_knowledge.bookmarks.favicon_url');
    await db().sql`create index tasks_open_due_idx on cortex_projects.tasks (due_date) where status not in ('done', 'cancelled')`;
    await db().sql`alter table cortex_knowledge.bookmarks add column favicon_url varchar(500)`;
    expect((await cli(['verify', 'phase', '1'])).code).toBe(0);
  });

  it('phase 2 maps every row of every mapped table with well-formed, unique ids', async () => {
    const r = await cli(['migrate', 'phase', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).data.report.status).toBe('passed');
    for (const m of mapped) {
      const [c] = await db().sql<{ legacy: number; maps: number; bad: number }[]>`
        select (select count(*) from ${db().sql(m.oldSchema)}.${db().sql(m.oldTable)})::int as legacy,
               count(*)::int as maps,
               count(*) filter (where new_id !~ ${m.prefix ? `^${m.prefix}_[0-9a-f]{32}$` : '^[0-9a-f-]{36}$'})::int as bad
        from cortex_migration.migration_mappings where old_schema = ${m.oldSchema} and old_table = ${m.oldTable}`;
      expect(c!.maps, `${m.oldSchema}.${m.oldTable}`).toBe(c!.legacy);
      expect(c!.bad, `${m.oldSchema}.${m.oldTable}`).toBe(0);
    }
    const [u] = await db().sql<{ d: number }[]>`select (count(*) - count(distinct new_id))::int d from cortex_migration.migration_mappings`;
    expect(u!.d).toBe(0);
  });

  it('maps legacy rows inserted after phase 2 as they are inserted', async () => {
    const sql = db().sql;
    const [c] = await sql<{ id: number }[]>`insert into crm.contacts (full_name) values ('Late Arrival') returning contact_id as id`;
    await sql`insert into crm.tasks (title, status) select 'bulk ' || g, 'pending' from generate_series(1, 50) g`;
    await sql`insert into calendar.event_attendees (event_id, contact_id) values (1, ${c!.id})`;
    const [m] = await sql<{ new_id: string }[]>`
      select new_id from cortex_migration.migration_mappings where old_schema = 'crm' and old_table = 'contacts' and old_id = ${String(c!.id)}`;
    expect(m!.new_id).toMatch(/^cp_[0-9a-f]{32}$/);
    const [t] = await sql<{ n: number }[]>`
      select count(*)::int n from crm.tasks t where not exists (select 1 from cortex_migration.migration_mappings mm
        where mm.old_schema = 'crm' and mm.old_table = 'tasks' and mm.old_id = t.task_id::text)`;
    expect(t!.n).toBe(0);
    const [a] = await sql<{ n: number }[]>`
      select count(*)::int n from cortex_migration.migration_mappings where old_table = 'event_attendees' and old_id = ${`1:${c!.id}`}`;
    expect(a!.n).toBe(1);
    expect((await cli(['verify', 'phase', '2'])).code).toBe(0);
  });

  it('rollback 2 then 1 restores the exact schema, and whatsapp data never changed', async () => {
    // Undo the rows this file added, so the data comparison is exact.
    await db().sql`delete from calendar.event_attendees where contact_id in (select contact_id from crm.contacts where full_name = 'Late Arrival')`;
    await db().sql`delete from crm.tasks where title like 'bulk %'`;
    await db().sql`delete from crm.contacts where full_name = 'Late Arrival'`;
    expect((await cli(['rollback', 'phase', '2', '--yes'])).code).toBe(0);
    const [salt] = await db().sql<{ n: number }[]>`select count(*)::int n from pg_class where relname in ('id_salt', 'migration_mappings')`;
    expect(salt!.n).toBe(0);
    expect((await cli(['rollback', 'phase', '1', '--yes'])).code).toBe(0);
    expect(await schemaState(db().sql)).toBe(schemaBefore);
    const after = await dataState(db().sql, LEGACY);
    for (const t of Object.keys(dataBefore).filter((k) => k.startsWith('whatsapp.'))) expect(after[t], t).toBe(dataBefore[t]);
  });
});

describe('salted ids', () => {
  it('the same legacy row gets different ids in two databases, the same id on re-mapping', async () => {
    const a = await createDatabase('salta');
    const b = await createDatabase('saltb');
    try {
      for (const d of [a, b]) {
        await loadLegacyFixture(d.sql, { scale: 0.01, seed: 3, dirty: false, replace: false });
        expect((await cli(['migrate', 'phase', '1'], d.url)).code).toBe(0);
        expect((await cli(['migrate', 'phase', '2'], d.url)).code).toBe(0);
      }
      const q = (d: typeof a) => d.sql<{ new_id: string }[]>`
        select new_id from cortex_migration.migration_mappings where old_table = 'contacts' and old_id = '1'`;
      const [ia] = await q(a);
      const [ib] = await q(b);
      expect(ia!.new_id).toMatch(/^cp_/);
      expect(ia!.new_id).not.toBe(ib!.new_id);
      const [again] = await a.sql<{ id: string }[]>`
        select cortex_migration.new_id((select salt from cortex_migration.id_salt), 'cp', 'crm', 'contacts', '1') as id`;
      expect(again!.id).toBe(ia!.new_id);
    } finally {
      await dropDatabase(a);
      await dropDatabase(b);
    }
  });

  it('plan refuses (exit 6) when a legacy table is missing from the coverage manifest', async () => {
    const d = await createDatabase('cov');
    try {
      await loadLegacyFixture(d.sql, { scale: 0.01, seed: 3, dirty: false, replace: false });
      await d.sql`create table crm.mystery (id int)`;
      const r = await runCli(['--database-url', d.url, 'plan', 'phase', '2']);
      expect(r.code).toBe(6);
      expect(r.stderr).toContain('crm.mystery');
    } finally {
      await dropDatabase(d);
    }
  });
});
