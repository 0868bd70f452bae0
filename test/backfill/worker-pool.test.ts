// Several backfill workers on a real server: `migrate phase 3 --workers 2` copies what one worker
// copies (content parity passes), and a migrate process killed with kill -9 while a `backfill
// work` process helps leaves chunks the other takes over; a rerun then completes with equal counts.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILLED_TABLES } from '../../phases/3-backfill/backfill-tables.js';
import { mappedTables } from '../../src/db/mapped-tables.js';
import { packagePath } from '../../src/paths.js';
import { parityChecks } from '../../src/verify/parity.js';
import { runCli } from '../helpers/cli.js';
import { cloneDatabase, createDatabase, dropDatabase, type TestDatabase, waitForNoRun } from '../helpers/db.js';
import { countParity } from '../helpers/parity.js';

const cli = (db: TestDatabase, args: string[]) => runCli(['--database-url', db.url, ...args], { timeoutMs: 180_000 });

async function targetCounts(db: TestDatabase): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of FILLED_TABLES) {
    const [schema, table] = t.split('.') as [string, string];
    const [r] = await db.sql<{ n: number; dup: number }[]>`
      select count(*)::int as n, (count(*) - count(distinct id))::int as dup from ${db.sql(schema)}.${db.sql(table)}`;
    expect(r!.dup, t).toBe(0);
    out[t] = r!.n;
  }
  return out;
}

describe('parallel backfill workers', () => {
  let template: TestDatabase;
  beforeAll(async () => {
    template = await createDatabase('bfw');
    for (const args of [['fixtures', 'load', '--scale', '0.3', '--seed', '3'], ['migrate', 'phase', '1'], ['migrate', 'phase', '2']]) {
      const r = await cli(template, args);
      if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-500)}`);
    }
  }, 120_000);
  afterAll(async () => {
    if (template) await dropDatabase(template);
  });

  it('migrate phase 3 --workers 2 copies the same target rows as one worker, and content parity passes', async () => {
    const two = await cloneDatabase(template, 'bfw2');
    const one = await cloneDatabase(template, 'bfw1');
    try {
      const r2 = await cli(two, ['migrate', 'phase', '3', '--workers', '2', '--batch-size', '500']);
      expect(r2.code, r2.stderr.slice(-800)).toBe(0);
      expect(r2.stderr).toContain('backfill: 2 workers');
      const r1 = await cli(one, ['migrate', 'phase', '3', '--batch-size', '500']);
      expect(r1.code, r1.stderr.slice(-800)).toBe(0);
      // Both workers of the process copied chunks.
      const byWorker = await two.sql<{ role: string; chunks: number }[]>`
        select w.role, count(*)::int as chunks from cortex_migration.backfill_chunks c
          join cortex_migration.backfill_workers w on w.id = c.worker group by w.id, w.role`;
      expect(byWorker).toHaveLength(2);
      for (const w of byWorker) expect(w).toMatchObject({ role: 'migrate' });
      for (const w of byWorker) expect(w.chunks).toBeGreaterThan(0);
      // Ids differ between the two databases (each has its own salt): counts and content are compared.
      expect(await targetCounts(two)).toEqual(await targetCounts(one));
      for (const p of await countParity(two)) expect({ t: p.t, target: p.target, q: p.q }).toEqual({ t: p.t, target: p.legacy, q: 0 });
      // Phase 5's content parity (chunked hashes of the transformed legacy rows against the target).
      await two.sql.unsafe(readFileSync(packagePath('migrations', '5-validation', '001-create-parity-functions', 'up.sql'), 'utf8'));
      for (const m of await mappedTables(two.sql)) {
        for (const c of await parityChecks(two.sql, m)) expect(c, c.id).toMatchObject({ status: 'passed' });
      }
    } finally {
      await dropDatabase(two);
      await dropDatabase(one);
    }
  }, 240_000);

  it('kill -9 of a migrate process with 2 workers: a `backfill work` process takes its chunks and finishes; a rerun completes with equal counts', async () => {
    const db = await cloneDatabase(template, 'bfwk');
    try {
      const pace = ['--batch-size', '500', '--max-rows-per-second', '3000'];
      const migrate = spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', db.url, 'migrate', 'phase', '3', '--workers', '2', ...pace],
        { stdio: 'ignore' });
      const migrateExit = new Promise((r) => migrate.once('exit', r));
      // The helper joins once the chunks are cut.
      for (let i = 0; i < 300; i++) {
        const [c] = await db.sql<{ n: number }[]>`
          select case when to_regclass('cortex_migration.backfill_chunks') is null then 0
                      else (select count(*)::int from cortex_migration.backfill_chunks) end as n`.catch(() => [{ n: 0 }]);
        if (c!.n > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const work = runCli(['--database-url', db.url, '--json', 'backfill', 'work', ...pace], { timeoutMs: 180_000 });
      // Killed part-way, while one of its workers holds a chunk it has started.
      const holding = () => db.sql<{ n: number; done: string }[]>`
        select count(*) filter (where c.finished_at is null and c.rows_done > 0 and w.role = 'migrate')::int as n,
               (select sum(rows_done) from cortex_migration.backfill_chunks)::text as done
          from cortex_migration.backfill_chunks c join cortex_migration.backfill_workers w on w.id = c.worker`;
      for (let i = 0; i < 600; i++) {
        const [h] = await holding();
        if (h!.n > 0 && Number(h!.done) > 12_000) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      migrate.kill('SIGKILL');
      await migrateExit;
      const orphans = await db.sql<{ t: string; chunk: number }[]>`
        select c.old_schema || '.' || c.old_table as t, c.chunk from cortex_migration.backfill_chunks c
          join cortex_migration.backfill_workers w on w.id = c.worker where c.finished_at is null and w.role = 'migrate'`;
      expect(orphans.length).toBeGreaterThan(0);

      const w = await work;
      expect(w.code, w.stderr.slice(-800)).toBe(0);
      const env = JSON.parse(w.stdout);
      expect(env).toMatchObject({ ok: true, command: 'backfill work', error: null });
      expect(env.data.chunks).toBeGreaterThan(0);
      // Every chunk is finished; those the killed process held were finished by the helper.
      const [left] = await db.sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.backfill_chunks where finished_at is null`;
      expect(left!.n).toBe(0);
      for (const o of orphans) {
        const [c] = await db.sql<{ role: string }[]>`
          select w.role from cortex_migration.backfill_chunks c join cortex_migration.backfill_workers w on w.id = c.worker
           where c.old_schema || '.' || c.old_table = ${o.t} and c.chunk = ${o.chunk}`;
        expect(c, `${o.t} #${o.chunk}`).toEqual({ role: 'work' });
      }

      await waitForNoRun(db.sql);
      const rerun = await cli(db, ['migrate', 'phase', '3']);
      expect(rerun.code, rerun.stderr.slice(-800)).toBe(0);
      for (const p of await countParity(db)) expect({ t: p.t, target: p.target, q: p.q }).toEqual({ t: p.t, target: p.legacy, q: 0 });
      await targetCounts(db);
      // The chunks' rows add up to each table's count: no key was copied twice or skipped.
      const sums = await db.sql<{ t: string; done: string; total: string }[]>`
        select old_schema || '.' || old_table as t, sum(rows_done)::text as done, sum(rows_total)::text as total
          from cortex_migration.backfill_chunks group by 1 having sum(rows_done) <> sum(rows_total)`;
      expect(sums).toEqual([]);
    } finally {
      await dropDatabase(db);
    }
  }, 240_000);
});
