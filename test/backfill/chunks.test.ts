// The chunk table on a real server: how tables are cut, the order chunks are claimed in (parents
// first), and what happens to the chunk of a worker whose connection ends (the next claim takes
// it, with its committed progress).
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { type Chunk, chunksLeft, claimChunk, planChunks, recordChunkBatch } from '../../src/backfill/chunks.js';
import { registerWorker } from '../../src/backfill/worker-registry.js';
import type { Sql } from '../../src/db/client.js';
import { mappedTables } from '../../src/db/mapped-tables.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { loadCortexPlan } from '../../src/plan/loader.js';
import { runCli } from '../helpers/cli.js';
import { adminUrl, useFreshDatabase } from '../helpers/db.js';

const settings = { lockTimeoutMs: 5000, statementTimeoutMs: 0, lockRetries: 0, options: {} };
const IDLE = { batchSize: 500, rowsPerSecond: 0, throttled: false, reason: null };

// Phase 3 up to (not including) the backfill step, as the runner applies it.
async function phase3BeforeBackfill(sql: Sql): Promise<void> {
  const plan = await loadCortexPlan();
  for (const step of plan.phases[2]!.steps.filter((s) => s.ordinal < 10)) {
    const conn = await sql.reserve();
    try {
      if (step.transactional) await conn`begin`;
      await step.up({ sql: conn as unknown as Sql, settings, log: () => {} });
      if (step.transactional) await conn`commit`;
    } finally {
      conn.release();
    }
  }
}

describe('backfill chunks', () => {
  const db = useFreshDatabase('bfc');
  const connect = () => postgres(db().url, { max: 1, onnotice: () => {} }) as unknown as Sql;

  it('cuts every table into contiguous chunks of the given size, once', async () => {
    const sql = db().sql;
    await loadLegacyFixture(sql, { scale: 0.3, seed: 4, dirty: false, replace: false });
    for (const n of ['1', '2']) expect((await runCli(['--database-url', db().url, 'migrate', 'phase', n])).code).toBe(0);
    await phase3BeforeBackfill(sql);
    const tables = await mappedTables(sql);
    // On one connection, as the step's session is.
    const one = connect();
    try {
      await planChunks(one, tables, 500);
    } finally {
      await one.end();
    }
    const first = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.backfill_chunks`;
    const rerun = connect();
    try {
      await planChunks(rerun, tables, 500);
    } finally {
      await rerun.end();
    }
    const again = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.backfill_chunks`;
    expect(again[0]!.n).toBe(first[0]!.n);
    for (const t of tables) {
      const chunks = await sql<{ chunk: number; lo: string[] | null; hi: string[]; rows_total: string }[]>`
        select chunk, lo, hi, rows_total::text from cortex_migration.backfill_chunks
         where old_schema = ${t.old_schema} and old_table = ${t.old_table} order by chunk`;
      const [c] = await sql<{ n: string }[]>`select count(*)::text as n from ${sql(t.old_schema)}.${sql(t.old_table)}`;
      const name = `${t.old_schema}.${t.old_table}`;
      expect(chunks.reduce((n, x) => n + Number(x.rows_total), 0), name).toBe(Number(c!.n));
      expect(chunks.length, name).toBe(Math.ceil(Number(c!.n) / 500));
      expect(chunks[0]!.lo, name).toBeNull();
      for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.lo, name).toEqual(chunks[i - 1]!.hi);
    }
    // crm.tasks points at its own parent task: its chunks go one at a time, in key order.
    const ordered = await sql<{ t: string }[]>`
      select distinct old_schema || '.' || old_table as t from cortex_migration.backfill_chunks where in_order order by 1`;
    expect(ordered.map((r) => r.t)).toContain('crm.tasks');
    expect(ordered.map((r) => r.t)).not.toContain('finance.transactions');
  });

  it('opens a table once the tables before it are finished, and a dead owner\'s chunk goes to the next claim with its progress', async () => {
    const sql = db().sql;
    const a = connect();
    const b = connect();
    try {
      const wa = await registerWorker(a, 'work');
      const wb = await registerWorker(b, 'work');
      const held = (await claimChunk(a, wa))!;
      const [firstTable] = await mappedTables(sql);
      expect(`${held.old_schema}.${held.old_table}`).toBe(`${firstTable!.old_schema}.${firstTable!.old_table}`);
      // The first table has one chunk, held by a live worker; the next table waits for it.
      expect(await claimChunk(b, wb)).toBeUndefined();
      expect(await chunksLeft(b)).toBeGreaterThan(1);
      // A committed batch of the chunk: its progress stays with the chunk.
      await a`begin`;
      expect(await recordChunkBatch(a, held, wa, 7, ['7'], false, IDLE)).toBe(true);
      await a`commit`;
      const [{ pid }] = await a<{ pid: number }[]>`select pg_backend_pid() as pid`;
      const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
      try {
        await admin`select pg_terminate_backend(${pid})`;
      } finally {
        await admin.end();
      }
      let taken: Chunk | undefined;
      for (let i = 0; i < 50 && !taken; i++) {
        taken = await claimChunk(b, wb);
        if (!taken) await new Promise((r) => setTimeout(r, 100));
      }
      expect(taken).toMatchObject({ old_schema: held.old_schema, old_table: held.old_table, chunk: held.chunk, last_key: ['7'], rows_done: '7' });
      // The new owner records its batches; the dead one could not any more.
      await b`begin`;
      expect(await recordChunkBatch(b, taken!, wb, 0, null, true, IDLE)).toBe(true);
      await b`commit`;
      const [w] = await sql<{ worker: string; finished: boolean }[]>`
        select worker::text, finished_at is not null as finished from cortex_migration.backfill_chunks
         where old_schema = ${held.old_schema} and old_table = ${held.old_table} and chunk = ${held.chunk}`;
      expect(w).toEqual({ worker: wb, finished: true });
    } finally {
      await a.end({ timeout: 1 }).catch(() => {});
      await b.end({ timeout: 1 });
    }
  });
});
