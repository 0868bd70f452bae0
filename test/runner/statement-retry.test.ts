import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/connection.js';
import type { Sql } from '../../src/db/client.js';
import { concurrentIndexOf } from '../../src/plan/invalid-index.js';
import { loadPlan } from '../../src/plan/loader.js';
import { ensureLedger } from '../../src/runner/ledger.js';
import { migratePhase, rollbackPhase, type RunEnv } from '../../src/runner/runner.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('sretry');

// A plan whose phase 2 and 3 steps are non-transactional: a statement before the one a second
// connection blocks, the blocked one, a statement after it; each writes a line to rt.log.
function retryPlan(): string {
  const root = mkdtempSync(join(tmpdir(), 'cortex-sretry-'));
  const step = (phase: string, name: string, files: Record<string, string>) => {
    const dir = join(root, 'migrations', phase, name);
    mkdirSync(dir, { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  };
  for (const [slug, name] of [['1-setup', 'setup'], ['2-index', 'index'], ['3-validate', 'validate']]) {
    mkdirSync(join(root, 'phases', slug!), { recursive: true });
    writeFileSync(join(root, 'phases', slug!, 'phase.json'), JSON.stringify({ name }));
  }
  const ok = "select 'ran' as id, true as ok";
  step('1-setup', '001-create-tables', {
    'up.sql': `create schema rt;
      create table rt.t (x int);
      insert into rt.t values (1);
      alter table rt.t add constraint t_x_positive check (x > 0) not valid;
      create table rt.log (what text);`,
    'down.sql': 'drop schema rt cascade;',
    'verify.sql': ok,
  });
  const nonTx = JSON.stringify({ transactional: false });
  step('2-index', '001-index-concurrently', {
    'step.json': nonTx,
    'up.sql': `insert into rt.log values ('before');
      create index concurrently if not exists t_x_idx on rt.t (x);
      insert into rt.log values ('after');`,
    'down.sql': 'drop index concurrently if exists rt.t_x_idx;',
    'verify.sql': ok,
  });
  step('3-validate', '001-validate-check', {
    'step.json': nonTx,
    'up.sql': `insert into rt.log values ('before');
      alter table rt.t validate constraint t_x_positive;
      insert into rt.log values ('after');`,
    'down.sql': 'select 1;',
    'verify.sql': ok,
  });
  return root;
}

interface Retry {
  step: string;
  attempt: number;
}

async function env(retries: Retry[], onRetry: () => void): Promise<RunEnv> {
  const { sql, url } = db();
  await ensureLedger(sql);
  return {
    sql,
    plan: await loadPlan(retryPlan()),
    target: parseDatabaseUrl(url, 'option'),
    settings: { lockTimeoutMs: 300, statementTimeoutMs: 0, lockRetries: 5, options: {} },
    events: {
      retry: (step, attempt) => {
        retries.push({ step: step.id, attempt });
        onRetry();
      },
    },
  };
}

// A second session in an open transaction, holding what `hold` takes until released.
async function blocker(sql: Sql, hold: string) {
  const conn = await sql.reserve();
  await conn`begin`;
  await conn.unsafe(hold);
  let released: Promise<void> | undefined;
  return {
    release: () => (released ??= conn`commit`.then(() => conn.release())),
  };
}

async function logLines(sql: Sql): Promise<string[]> {
  const rows = await sql<{ what: string }[]>`select what from rt.log order by what`;
  return rows.map((r) => r.what);
}

describe('non-transactional SQL steps retry the statement that hit a lock timeout', () => {
  it('CREATE INDEX CONCURRENTLY left INVALID by a lock timeout is dropped and built again; statements before it ran once', async () => {
    const { sql } = db();
    const retries: Retry[] = [];
    let invalidAtRetry: Promise<boolean> | undefined;
    let hold: Awaited<ReturnType<typeof blocker>> | undefined;
    const e = await env(retries, () => {
      // At the first timeout: was the index left behind INVALID? Then let the writer finish.
      invalidAtRetry ??= sql<{ n: number }[]>`
        select count(*)::int as n from pg_index where indexrelid = to_regclass('rt.t_x_idx') and not indisvalid`.then(([r]) => r!.n === 1);
      void invalidAtRetry.then(() => hold?.release());
    });
    expect((await migratePhase(e, 1)).failedStep).toBeUndefined();
    // A writer in an open transaction: CIC creates its INVALID index, then times out waiting for it.
    hold = await blocker(sql, 'insert into rt.t values (2)');
    const run = await migratePhase(e, 2);
    await hold.release();
    expect(run.failedStep, run.error).toBeUndefined();
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries[0]).toEqual({ step: '2-index/001-index-concurrently', attempt: 1 });
    expect(await invalidAtRetry).toBe(true);
    const indexes = await sql<{ name: string; valid: boolean }[]>`
      select indexrelid::regclass::text as name, indisvalid as valid from pg_index where indrelid = 'rt.t'::regclass`;
    expect(indexes).toEqual([{ name: 'rt.t_x_idx', valid: true }]);
    expect(await logLines(sql)).toEqual(['after', 'before']);
  });

  it('VALIDATE CONSTRAINT blocked by a conflicting lock is retried and validates; statements before it ran once', async () => {
    const { sql } = db();
    await sql`truncate rt.log`;
    const retries: Retry[] = [];
    // SHARE conflicts with VALIDATE's SHARE UPDATE EXCLUSIVE.
    const hold = await blocker(sql, 'lock table rt.t in share mode');
    const e = await env(retries, () => void hold.release());
    const run = await migratePhase(e, 3);
    await hold.release();
    expect(run.failedStep, run.error).toBeUndefined();
    expect(retries[0]).toEqual({ step: '3-validate/001-validate-check', attempt: 1 });
    const [c] = await sql<{ validated: boolean }[]>`select convalidated as validated from pg_constraint where conname = 't_x_positive'`;
    expect(c!.validated).toBe(true);
    expect(await logLines(sql)).toEqual(['after', 'before']);
  });

  it('gives up after lockRetries and fails the step when the lock is never released', async () => {
    const { sql } = db();
    await sql`alter table rt.t drop constraint t_x_positive`;
    await sql`alter table rt.t add constraint t_x_positive check (x > 0) not valid`;
    const retries: Retry[] = [];
    const hold = await blocker(sql, 'lock table rt.t in share mode');
    try {
      const e = await env(retries, () => {});
      e.settings = { ...e.settings, lockRetries: 1 };
      // Phase 3 is applied by the previous test; its down changes nothing but the ledger.
      expect((await rollbackPhase(e, 3)).failedStep).toBeUndefined();
      const run = await migratePhase(e, 3);
      expect(run.failedStep).toBe('3-validate/001-validate-check');
      expect(run.error).toContain('lock timeout');
      expect(retries).toHaveLength(1);
    } finally {
      await hold.release();
    }
  });
});

describe('concurrentIndexOf', () => {
  it('reads the index name (folded as PostgreSQL folds it) and the table of a CREATE INDEX CONCURRENTLY', () => {
    expect(concurrentIndexOf('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS Idx_A ON ONLY app."T" (x)')).toEqual({ name: 'idx_a', table: 'app."T"' });
    expect(concurrentIndexOf('-- why\ncreate index concurrently "My ""Idx""" on t using gin (x)')).toEqual({ name: 'My "Idx"', table: 't' });
    expect(concurrentIndexOf('create index concurrently on t (x)')).toEqual({ table: 't' });
    expect(concurrentIndexOf('create index i on t (x)')).toBeUndefined();
  });
});
