// `cortex log`: the ledger's events newest first, with who ran each step and how long it took;
// read-only (creates nothing), filtered by phase and step, limited, and readable on a ledger
// written before who was recorded.
import { hostname, userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';
import { copySamplePlan } from '../helpers/plan.js';

const db = useFreshDatabase('hlog');
const plan = copySamplePlan();
const cli = (args: string[]) => runCli(['--database-url', db().url, '--plan', plan, '--reports-dir', `${plan}/reports`, ...args], { timeoutMs: 60_000 });

interface Event {
  id: number;
  at: string;
  phase: number;
  step: string | null;
  direction: string;
  durationMs: number | null;
  osUser: string | null;
  host: string | null;
  dbUser: string | null;
  plan: string | null;
  details: Record<string, unknown> | null;
}

async function log(args: string[] = []): Promise<{ events: Event[]; total: number }> {
  const r = await cli(['--json', 'log', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).data;
}

describe('cortex log', () => {
  it('on a database cortex never ran on: no events, exit 0, and no ledger created', async () => {
    const r = await cli(['log']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('no events recorded (nothing has run on this database)\n');
    expect(await log()).toEqual({ events: [], total: 0 });
    const [s] = await db().sql<{ ok: boolean }[]>`select to_regnamespace('cortex_migration') is null as ok`;
    expect(s!.ok).toBe(true);
  });

  it('lists the events of migrate all newest first, with who ran each step and how long it took', async () => {
    // The gate is closed: phase 3's guarded step fails; opened, a second migrate all finishes.
    expect((await cli(['migrate', 'all'])).code).toBe(7);
    await db().sql`insert into sample.gate values (true)`;
    const all = await cli(['migrate', 'all']);
    expect(all.code, all.stderr).toBe(0);

    const { events, total } = await log();
    expect(total).toBe(events.length);
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => b - a));
    expect(events.map((e) => `${e.direction} ${e.step}`)).toEqual([
      'up 3-gamma/002-guarded-step',
      'fail 3-gamma/002-guarded-step',
      'up 3-gamma/001-seed-rows',
      'up 2-beta/002-create-index',
      'up 2-beta/001-add-column',
      'up 1-alpha/002-create-table',
      'up 1-alpha/001-create-schema',
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ osUser: userInfo().username, host: hostname(), dbUser: 'postgres', plan: 'custom' });
      if (e.direction === 'up') expect(e.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(events[1]!.details).toMatchObject({ direction: 'up', error: expect.stringContaining('division by zero') });

    const text = await cli(['log']);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^when\s+what\s+phase\s+step\s+took\s+who\s+run$/);
    expect(lines[1]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ  up\\s+3\\s+3-gamma/002-guarded-step\\s+\\d+ ms\\s+` +
      `${userInfo().username}@${hostname()} \\(db postgres\\)\\s+[0-9a-f]{8}$`));
    expect(lines[2]).toMatch(/fail up\s+3\s+3-gamma\/002-guarded-step\s+\S/);
    expect(lines[3]).toMatch(/^ {4}error: .*division by zero/);
  });

  it('--phase, --step and --limit choose the events; a bad value is a usage error (exit 2)', async () => {
    const phase1 = await log(['--phase', '1']);
    expect(phase1.events.map((e) => e.step)).toEqual(['1-alpha/002-create-table', '1-alpha/001-create-schema']);
    const step = await log(['--step', '3-gamma/002-guarded-step']);
    expect(step.events.map((e) => e.direction)).toEqual(['up', 'fail']);
    const two = await log(['--limit', '2']);
    expect(two.events.length).toBe(2);
    expect(two.total).toBe(7);
    expect((await log(['--limit', '0'])).events.length).toBe(7);
    const text = await cli(['log', '--limit', '2']);
    expect(text.stdout).toContain('5 older events not shown (--limit 0 shows all)');
    expect((await cli(['log', '--phase', '9'])).stdout).toBe('no events match\n');
    for (const bad of [['--limit', 'x'], ['--phase', '0'], ['--phase', '-1']]) {
      const r = await cli(['log', ...bad]);
      expect(r.code, `${bad.join(' ')}: ${r.stderr}`).toBe(2);
    }
  });

  it('reads a ledger from before who was recorded, writing nothing; the next run adds the columns and widens the check', async () => {
    await db().sql`alter table cortex_migration.events drop column os_user, drop column host, drop column db_user, drop column plan`;
    // Its direction check did not know `repair` either.
    await db().sql`alter table cortex_migration.events drop constraint events_direction_check`;
    await db().sql`alter table cortex_migration.events add constraint events_direction_check check (direction in ('up', 'down', 'verify', 'fail'))`;
    const old = await log();
    expect(old.total).toBe(7);
    expect(old.events[0]).toMatchObject({ osUser: null, host: null, dbUser: null, plan: null });
    expect((await cli(['log'])).stdout).toContain('(not recorded)');
    const [cols] = await db().sql<{ n: number }[]>`
      select count(*)::int as n from information_schema.columns where table_schema = 'cortex_migration' and table_name = 'events' and column_name = 'os_user'`;
    expect(cols!.n).toBe(0);

    expect((await cli(['rollback', 'phase', '3', '--yes'])).code).toBe(0);
    const after = await log();
    expect(after.events[0]).toMatchObject({ direction: 'down', osUser: userInfo().username, host: hostname() });
    expect(after.events.find((e) => e.direction === 'fail')).toMatchObject({ osUser: null });
    const [check] = await db().sql<{ def: string }[]>`
      select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'events_direction_check' and conrelid = 'cortex_migration.events'::regclass`;
    expect(check!.def).toContain("'repair'");
  });
});
