import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { adminUrl, useFreshDatabase } from '../helpers/db.js';

const plan = packagePath('fixtures', 'plans', '001-cortex-ai');
const db = useFreshDatabase('p001');
const reports = mkdtempSync(join(tmpdir(), 'cortex-p001-'));

function cli(args: string[]) {
  return runCli(['--database-url', db().url, '--plan', plan, '--reports-dir', reports, ...args]);
}

// What the plan leaves in public: tables, indexes (by uniqueness and method) and foreign keys with their ON DELETE rule.
async function publicCatalog() {
  const sql = db().sql;
  const tables = await sql<{ name: string }[]>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r' order by 1`;
  const indexes = await sql<{ name: string; method: string }[]>`
    select c.relname as name, am.amname as method
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
    join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' order by 1`;
  const fks = await sql<{ rel: string; target: string; ondelete: string }[]>`
    select conrelid::regclass::text as rel, confrelid::regclass::text as target, confdeltype::text as ondelete
    from pg_constraint where contype = 'f' and connamespace = 'public'::regnamespace order by 1, 2`;
  return { tables: tables.map((t) => t.name), indexes, fks };
}

describe('plan 001-cortex-ai (seed 001 from an empty database, CLI as a user runs it)', () => {
  it('verify-rollback: both phases up, verify, down to the identical schema, up again', async () => {
    const r = await runCli(['--database-url', adminUrl(), '--plan', plan, 'verify-rollback']);
    expect(r.code, r.stdout.slice(-1500) + r.stderr.slice(-1500)).toBe(0);
    expect(r.stdout).toContain('| phase 2 indexes: down restores the schema and keeps every write | passed |');
    expect(r.stdout).toContain('| all phases down restore the starting schema and keep every write | passed |');
  });

  it('status names the plan and its two phases, all pending', async () => {
    const r = await cli(['--json', 'status']);
    expect(r.code, r.stderr).toBe(0);
    const env = JSON.parse(r.stdout);
    expect(env.data.plan).toBe('cortex-ai');
    expect(env.data.phases.map((p: { name: string; state: string }) => [p.name, p.state])).toEqual([['tables', 'pending'], ['indexes', 'pending']]);
  });

  it('migrate all creates the 8 tables, 30 indexes and 7 foreign keys of the seed', async () => {
    const r = await cli(['--json', 'migrate', 'all']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // The last phase's report: every step verified from its generated catalog.json.
    const steps = JSON.parse(r.stdout).data.report.steps as { id: string; checks: { id: string; status: string }[] }[];
    expect(steps.map((s) => [s.id, s.checks.map((c) => `${c.id}:${c.status}`)])).toEqual(
      ['001-index-identity', '002-index-conversations', '003-index-memory', '004-index-experts'].map((n) => [`2-indexes/${n}`, ['catalog-indexes:passed']]),
    );
    const { tables, indexes, fks } = await publicCatalog();
    expect(tables).toEqual([
      'conversations', 'domain_expert_tools', 'domain_experts', 'memory_items', 'messages', 'user_workspace_access', 'users', 'workspaces',
    ]);
    expect(indexes).toHaveLength(30);
    expect(indexes.filter((i) => i.name.startsWith('idx_'))).toHaveLength(19);
    expect(indexes.filter((i) => i.method === 'gin').map((i) => i.name)).toEqual(['idx_memory_items_metadata', 'idx_messages_content_gin']);
    // ON DELETE: c = CASCADE, n = SET NULL (pg_constraint.confdeltype).
    expect(fks.map((f) => `${f.rel}->${f.target}:${f.ondelete}`)).toEqual([
      'conversations->workspaces:c',
      'domain_expert_tools->domain_experts:c',
      'memory_items->workspaces:c',
      'messages->conversations:c',
      'messages->users:n',
      'user_workspace_access->users:c',
      'user_workspace_access->workspaces:c',
    ]);
    const status = JSON.parse((await cli(['--json', 'status'])).stdout);
    expect(status.data.phases.map((p: { state: string }) => p.state)).toEqual(['applied', 'applied']);
  });

  it('diff with no arguments finds the live schema equal to the plan\'s expected state', async () => {
    const r = await cli(['diff']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('diff reports an index added by hand on a plan table in public (exit 1)', async () => {
    await db().sql`create index idx_extra on public.users (name)`;
    try {
      const r = await cli(['diff']);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain('public.idx_extra');
    } finally {
      await db().sql`drop index public.idx_extra`;
    }
  });

  it('verify phase 2 fails and names an index dropped by hand', async () => {
    await db().sql`drop index public.idx_messages_user`;
    try {
      const r = await cli(['--json', 'verify', 'phase', '2']);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      const checks = JSON.parse(r.stdout).data.report.steps.flatMap((s: { checks: { status: string; details?: string }[] }) => s.checks);
      expect(checks.filter((c: { status: string }) => c.status === 'failed').map((c: { details?: string }) => c.details)).toEqual(['missing index public.idx_messages_user']);
    } finally {
      await db().sql`create index idx_messages_user on public.messages (user_id)`;
    }
  });

  it('refuses to roll back phase 1 while phase 2 is applied (exit 6), changing nothing', async () => {
    const r = await cli(['rollback', 'phase', '1', '--yes']);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('phase 1 is not the last applied phase (phase 2 is)');
    expect((await publicCatalog()).indexes).toHaveLength(30);
  });

  it('rolling back phase 2 keeps the rows; then phase 1 leaves public empty', async () => {
    await db().sql`insert into public.users (email) values ('a@example.org')`;
    const two = await cli(['rollback', 'phase', '2', '--yes']);
    expect(two.code, two.stdout + two.stderr).toBe(0);
    const between = await publicCatalog();
    expect(between.tables).toHaveLength(8);
    expect(between.indexes).toHaveLength(11);
    const [users] = await db().sql<{ n: number }[]>`select count(*)::int as n from public.users`;
    expect(users!.n).toBe(1);
    const one = await cli(['rollback', 'phase', '1', '--yes']);
    expect(one.code, one.stdout + one.stderr).toBe(0);
    const [left] = await db().sql<{ n: number }[]>`
      select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace`;
    expect(left!.n).toBe(0);
  });
});
