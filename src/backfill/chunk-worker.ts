// One backfill worker: on its own connection, claim a chunk, copy it batch by batch (the shared
// batch loop: one short transaction per batch, which also moves the chunk's progress), mark the
// table finished when its last chunk is, and claim again; wait while the chunks left are held by
// other live workers or wait for their parents; stop when none is left.
import { setTimeout as sleep } from 'node:timers/promises';
import { batchLoop } from '../batch/loop.js';
import type { Sql } from '../db/client.js';
import { CortexError } from '../errors.js';
import type { Governor } from '../governor/governor.js';
import type { RunSettings } from '../plan/model.js';
import { stopped, throwIfStopped } from '../runner/interrupt.js';
import type { ChunkBoard } from './chunk-board.js';
import { type Chunk, chunksLeft, chunkTable, claimChunk, finishTables, recordChunkBatch, releaseChunks, sameKey } from './chunks.js';
import { type BackfillOptions, syncNextBatch } from './engine.js';
import { finishWorker, registerWorker, type WorkerRole } from './worker-registry.js';

/** What every worker of a process shares. */
export interface WorkerShared {
  readonly settings: RunSettings;
  readonly opts: BackfillOptions;
  readonly governor: Governor;
  readonly board: ChunkBoard;
  readonly role: WorkerRole;
  /** Set when a worker of the process failed: the others stop after their current batch. */
  failure?: unknown;
}

/** What one worker did. */
export interface WorkerOutcome {
  chunks: number;
  rows: number;
  batches: number;
}

// How often a worker with nothing to claim looks again (a chunk freed, a table opened).
const POLL_MS = 100;

/** The chunk's owner changed under this worker (its connection was replaced): the batch is rolled back. */
class ChunkLost extends Error {}

/** Run one worker on `sql` (one connection of its own, not in a transaction) until no chunk is left. */
export async function runWorker(sql: Sql, shared: WorkerShared): Promise<WorkerOutcome> {
  const out: WorkerOutcome = { chunks: 0, rows: 0, batches: 0 };
  const id = await registerWorker(sql, shared.role);
  try {
    for (;;) {
      throwIfStopped();
      if (shared.failure) throw new CortexError('STEP_FAILED', 'another worker of this process failed');
      const c = await claimChunk(sql, id);
      if (!c) {
        if ((await chunksLeft(sql)) === 0) break;
        await shared.board.sync(sql);
        await sleep(POLL_MS, undefined, { signal: stopped }).catch(() => {});
        continue;
      }
      try {
        const r = await copyChunk(sql, shared, id, c);
        out.chunks += 1;
        out.rows += r.rows;
        out.batches += r.batches;
      } catch (err) {
        if (!(err instanceof ChunkLost)) throw err;
      }
      for (const t of await finishTables(sql)) await shared.board.logTable(sql, t);
    }
    await finishWorker(sql, id);
  } catch (err) {
    // Stopped by Ctrl-C between batches: hand the chunk back at once (its progress is committed).
    if (stopped.aborted) await releaseChunks(sql).catch(() => {});
    await finishWorker(sql, id).catch(() => {});
    throw err;
  }
  return out;
}

async function copyChunk(sql: Sql, shared: WorkerShared, worker: string, c: Chunk): Promise<{ rows: number; batches: number }> {
  const table = chunkTable(c);
  shared.board.begin(table);
  await shared.board.sync(sql, table);
  let shown = 0;
  const opts: BackfillOptions = {
    ...shared.opts,
    governor: shared.governor,
    afterBatch: async (label, n) => {
      await shared.opts.afterBatch?.(label, n);
      if (shared.failure) throw new CortexError('STEP_FAILED', 'another worker of this process failed');
    },
    onProgress: (p) => {
      shared.board.batch(table, p.done - shown, p.governor);
      shown = p.done;
    },
  };
  const out = await batchLoop<string[] | null>(sql, shared.settings, opts, { label: table, cursor: c.last_key ?? c.lo, doneAtStart: 0, total: 0 }, async (tx, lastKey, size) => {
    // The batch that reached the chunk's last key finished it: nothing to write (no commit to wait for).
    if (lastKey !== null && sameKey(lastKey, c.hi)) return { keys: 0, cursor: lastKey };
    const b = await syncNextBatch(tx, c.old_schema, c.old_table, lastKey, c.hi, size);
    const finished = b.keys === 0 || sameKey(b.lastKey!, c.hi);
    if (!(await recordChunkBatch(tx, c, worker, b.keys, b.lastKey, finished, shared.governor.state()))) {
      throw new ChunkLost(`chunk ${c.chunk} of ${table} was taken over by another worker`);
    }
    return { keys: b.keys, cursor: b.lastKey ?? lastKey };
  });
  return { rows: out.keys, batches: out.batches };
}
