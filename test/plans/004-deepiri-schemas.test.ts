import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { adminUrl, useFreshDatabase } from '../helpers/db.js';
import { type AppRun, createAppRole, dropAppRole, runApp } from './004-deepiri-app.js';

const plan = packagePath('fixtures', 'plans', '004-deepiri-schemas');
const db = useFreshDatabase('p004');
const reports = mkdtempSync(join(tmpdir(), 'cortex-p004-'));

function cli(args: string[]) {
  return runCli(['--database-url', db().url, '--plan', plan, '--reports-dir', reports, ...args]);
}

type Check = { id: string; status: string; actual?: unknown; details?: string };
const checksOf = (stdout: string): Check[] =>
  JSON.parse(stdout).data.report.steps.flatMap((s: { checks: Check[] }) => s.checks);

// Where a relation of that name is, and what it is (r table, v view), or null.
async function kind(name: string): Promise<string | null> {
  const [r] = await db().sql<{ k: string | null }[]>`select (select relkind::text from pg_class where oid = to_regclass(${name})) as k`;
  return r!.k;
}

const count = async (query: string, ids: unknown[]): Promise<number> =>
  Number((await db().sql.unsafe(query, [ids as never]))[0]!.n);

describe('plan 004-deepiri-schemas (seed 004: intelligence move and tasks merge, CLI as a user runs it)', () => {
  let app: AppRun;

  it('verify-rollback: every phase up, verify, down to the identical schema and data, up again', async () => {
    const r = await runCli(['--database-url', adminUrl(), '--plan', plan, 'verify-rollback']);
    expect(r.code, r.stdout.slice(-1500) + r.stderr.slice(-1500)).toBe(0);
    expect(r.stdout).toContain('| phase 3 merge-tasks: down restores the schema and keeps every write | passed |');
    expect(r.stdout).toContain('| all phases down restore the starting schema and keep every write | passed |');
  });

  it('fixtures load: the orchestrator\'s tasks share most ids with public.tasks, have some of their own, and disagree on 3', async () => {
    const r = await cli(['fixtures', 'load']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [t] = await db().sql<{ shared: number; own: number; conflicts: number; engagement: number }[]>`
      select count(*) filter (where p.id is not null)::int as shared, count(*) filter (where p.id is null)::int as own,
             count(*) filter (where p.title <> o.title or p.status <> o.status)::int as conflicts,
             (select count(*)::int from public.tasks) as engagement
      from task_orchestrator.tasks o left join public.tasks p on p.id = o.id`;
    expect(t!.conflicts).toBe(3);
    expect(t!.shared).toBeGreaterThan(t!.own);
    expect(t!.own).toBeGreaterThan(0);
    expect(t!.engagement).toBeGreaterThan(t!.shared);
  });

  it('an application writing through the old names during the whole migration has no failed transaction', async () => {
    const role = `p004_app_${randomBytes(4).toString('hex')}`;
    await createAppRole(db().sql, role);
    try {
      const [user] = await db().sql<{ id: string }[]>`select id from public.users order by id limit 1`;
      const migrate = cli(['--json', 'migrate', 'all']);
      app = await runApp(db().url, role, user!.id, migrate);
      const r = await migrate;
      expect(r.code, r.stdout.slice(-2000) + r.stderr.slice(-2000)).toBe(0);
      expect(app.failures).toEqual([]);
      expect(app.iterations).toBeGreaterThan(5);
    } finally {
      await dropAppRole(db().sql, role);
    }
    // The application really wrote while the move and the merge ran (ledger times, same server clock).
    const [overlap] = await db().sql<{ n: number }[]>`
      select count(*)::int as n from intelligence.leases l
      where l.id = any(${app.leases})
        and l.created_at > (select at from cortex_migration.events where step_id = '1-schemas/001-create-schemas' and direction = 'up')
        and l.created_at < (select at from cortex_migration.events where step_id = '3-merge-tasks/004-validate-task-foreign-keys' and direction = 'up')`;
    expect(overlap!.n).toBeGreaterThan(0);
    // Every write reached the moved or merged table.
    expect(await count('select count(*) as n from intelligence.leases where id = any($1)', app.leases)).toBe(app.leases.length);
    expect(await count('select count(*) as n from intelligence.lease_versions where lease_id = any($1)', app.leases)).toBe(app.leases.length);
    expect(await count('select count(*) as n from public.tasks where id = any($1) and orchestration_state is null', app.engagementTasks))
      .toBe(app.engagementTasks.length);
    expect(await count(`select count(*) as n from public.tasks where id = any($1) and orchestration_state = 'running'`, app.orchestratorTasks))
      .toBe(app.orchestratorTasks.length);
    expect(await count('select count(*) as n from public.task_versions where task_id = any($1)', app.orchestratorTasks))
      .toBe(app.orchestratorTasks.length);
  });

  it('diff after migrate all finds the live schema equal to the plan\'s expected state', async () => {
    const r = await cli(['diff']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('the seed\'s three queries give the final tree, and the checks phase says so', async () => {
    const sql = db().sql;
    expect(await sql`SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'cyrex'`).toEqual([{ schema_name: 'cyrex' }]);
    const q2 = await sql<{ table_schema: string; table_name: string; table_type: string }[]>`
      SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_name = 'tasks' ORDER BY 1`;
    expect(q2.map((r) => `${r.table_schema}.${r.table_name} ${r.table_type}`)).toEqual(['public.tasks BASE TABLE', 'task_orchestrator.tasks VIEW']);
    const q3 = await sql<{ table_schema: string; table_name: string }[]>`
      SELECT table_schema, table_name FROM information_schema.tables
      WHERE table_schema IN ('public', 'analytics', 'audit') ORDER BY table_schema, table_name`;
    expect(q3.filter((r) => r.table_schema === 'analytics')).toHaveLength(8);
    expect(q3.filter((r) => r.table_schema === 'audit').map((r) => r.table_name)).toEqual(['activity_logs', 'task_completions', 'user_activity_summary']);
    expect(q3.filter((r) => r.table_schema === 'public')).toHaveLength(25);
    expect(q3.map((r) => r.table_name)).toEqual(expect.arrayContaining(['leases', 'obligation_dependencies', 'task_versions', 'task_dependencies']));
    const r = await cli(['--json', 'verify', 'phase', '4']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(checksOf(r.stdout).map((c) => `${c.id}:${c.status}`)).toEqual([
      'seed-q1-cyrex-schema:passed', 'seed-q2-tables-named-tasks:passed', 'seed-q3-public-analytics-audit:passed', 'final-tree-every-schema:passed',
    ]);
  });

  it('the three conflicting tasks are reported as warnings: public.tasks kept its values, the orchestrator\'s are recorded', async () => {
    const r = await cli(['--json', 'verify', 'phase', '3']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const checks = checksOf(r.stdout);
    expect(checks.filter((c) => c.status === 'failed')).toEqual([]);
    const conflicts = checks.find((c) => c.id === 'task-merge-conflicts')!;
    expect(conflicts).toMatchObject({ status: 'warning', actual: '3' });
    expect(conflicts.details).toContain('(renamed by the orchestrator)');
  });

  it('inserts through the compatibility views land in the moved and merged tables', async () => {
    const sql = db().sql;
    expect([await kind('public.contracts'), await kind('intelligence.contracts'), await kind('task_orchestrator.tasks')]).toEqual(['v', 'r', 'v']);
    const [c] = await sql<{ id: string }[]>`
      insert into public.contracts (title, counterparty, effective_on) values ('Via view', 'Initech', '2025-05-01') returning id`;
    expect(await sql`select title from intelligence.contracts where id = ${c!.id}`).toEqual([{ title: 'Via view' }]);
    const [user] = await sql<{ id: string }[]>`select id from public.users order by id limit 1`;
    const [a] = await sql<{ id: string }[]>`insert into task_orchestrator.tasks (user_id, title) values (${user!.id}, 'Via view A') returning id`;
    const [b] = await sql<{ id: string }[]>`insert into task_orchestrator.tasks (user_id, title) values (${user!.id}, 'Via view B') returning id`;
    await sql`insert into task_orchestrator.task_dependencies (task_id, depends_on_task_id) values (${b!.id}, ${a!.id})`;
    expect(await sql`select title, orchestration_state, metadata from public.tasks where id = ${a!.id}`)
      .toEqual([{ title: 'Via view A', orchestration_state: 'queued', metadata: {} }]);
    expect(await sql`select count(*)::int as n from public.task_dependencies where task_id = ${b!.id}`).toEqual([{ n: 1 }]);
  });

  it('rollback of phase 3 refuses (exit 6, nothing changed) while a subtask references a task created through the view', async () => {
    const sql = db().sql;
    const four = await cli(['rollback', 'phase', '4', '--yes']);
    expect(four.code, four.stdout + four.stderr).toBe(0);
    const [t] = await sql<{ id: string }[]>`select id from public.tasks where title = 'Via view A'`;
    await sql`insert into public.subtasks (task_id, title) values (${t!.id}, 'keeps it in public')`;
    const r = await cli(['rollback', 'phase', '3', '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(6);
    expect(r.stderr).toContain(`tasks ${t!.id} were created through task_orchestrator.tasks after the merge`);
    expect(await kind('task_orchestrator.tasks')).toBe('v');
    await sql`delete from public.subtasks where task_id = ${t!.id}`;
  });

  it('rollback of phase 3 copies the writes made through the orchestrator\'s names back to its own copy', async () => {
    const sql = db().sql;
    const [renamed] = await sql<{ id: string }[]>`select task_id as id from deepiri_migration.task_merge_conflicts where 'title' = any(columns)`;
    const [shared] = await sql<{ id: string }[]>`
      select l.task_id as id from deepiri_migration.task_merge_log l
      where l.action = 'filled' and not exists (select from deepiri_migration.task_merge_conflicts c where c.task_id = l.task_id)
      order by l.task_id limit 1`;
    await sql`update task_orchestrator.tasks set status = 'completed', orchestration_state = 'done' where id = ${shared!.id}`;
    const r = await cli(['rollback', 'phase', '3', '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect([await kind('task_orchestrator.tasks'), await kind('task_orchestrator.task_versions'), await kind('public.task_versions')]).toEqual(['r', 'r', null]);
    // Created through the view: in the orchestrator's copy with their dependency, no longer in public.tasks.
    expect(await sql`select title from task_orchestrator.tasks where title like 'Via view %' order by title`).toEqual([{ title: 'Via view A' }, { title: 'Via view B' }]);
    expect(await sql`select count(*)::int as n from task_orchestrator.task_dependencies d join task_orchestrator.tasks t on t.id = d.task_id where t.title = 'Via view B'`).toEqual([{ n: 1 }]);
    expect(await sql`select count(*)::int as n from public.tasks where title like 'Via view %' or title like 'Pipeline %'`).toEqual([{ n: 0 }]);
    expect(await count(`select count(*) as n from task_orchestrator.tasks where id = any($1) and orchestration_state = 'running'`, app.orchestratorTasks))
      .toBe(app.orchestratorTasks.length);
    // The update made through the view is in both copies; the untouched conflict keeps the orchestrator's own title.
    expect(await sql`select status, orchestration_state from task_orchestrator.tasks where id = ${shared!.id}`).toEqual([{ status: 'completed', orchestration_state: 'done' }]);
    expect(await sql`select status from public.tasks where id = ${shared!.id}`).toEqual([{ status: 'completed' }]);
    const [orch] = await sql<{ title: string }[]>`select title from task_orchestrator.tasks where id = ${renamed!.id}`;
    expect(orch!.title).toContain('(renamed by the orchestrator)');
    expect(await sql`select count(*)::int as n from information_schema.columns where table_schema = 'public' and table_name = 'tasks' and column_name = 'orchestration_state'`).toEqual([{ n: 0 }]);
  });

  it('rollback of phase 2 puts the seven tables back in public with the rows written through the views', async () => {
    const r = await cli(['rollback', 'phase', '2', '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect([await kind('public.leases'), await kind('intelligence.leases')]).toEqual(['r', null]);
    expect(await count('select count(*) as n from public.leases where id = any($1)', app.leases)).toBe(app.leases.length);
    expect(await db().sql`select column_default from information_schema.columns where table_schema = 'public' and table_name = 'leases' and column_name = 'id'`)
      .toEqual([{ column_default: "nextval('leases_id_seq'::regclass)" }]);
  });

  it('migrate phase 3 refuses (exit 6, nothing changed) an orchestrator task whose user public.users does not have', async () => {
    const sql = db().sql;
    const [t] = await sql<{ id: string }[]>`
      insert into task_orchestrator.tasks (user_id, title) values ('00000000-0000-0000-0000-000000000001', 'Orphan') returning id`;
    expect((await cli(['migrate', 'phase', '2'])).code).toBe(0);
    const r = await cli(['migrate', 'phase', '3']);
    expect(r.code, r.stdout + r.stderr).toBe(6);
    expect(r.stderr).toContain(`${t!.id} (user 00000000-0000-0000-0000-000000000001)`);
    expect(await sql`select count(*)::int as n from information_schema.columns where table_schema = 'public' and table_name = 'tasks' and column_name = 'metadata'`).toEqual([{ n: 0 }]);
  });
});
