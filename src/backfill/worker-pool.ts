// N backfill workers in one process (`migrate phase 3 --workers N`, `cortex backfill work
// --workers N`): each on a connection of its own, all sharing one governor and one progress
// board. Returns once every chunk is finished, those held by workers of other processes too.
import { applicationName, openDatabase, type Sql } from '../db/client.js';
import type { ConnectionTarget } from '../config/connection.js';
import { mappedTables } from '../db/mapped-tables.js';
import { CortexError } from '../errors.js';
import { createGovernor } from '../governor/create.js';
import type { Governor } from '../governor/governor.js';
import type { RunSettings } from '../plan/model.js';
import { ChunkBoard } from './chunk-board.js';
import { finishTables } from './chunks.js';
import { runWorker, type WorkerOutcome, type WorkerShared } from './chunk-worker.js';
import type { BackfillOptions } from './engine.js';
import type { Progress } from './progress.js';
import type { WorkerRole } from './worker-registry.js';

/** How to run a process's workers. */
export interface PoolOptions {
  /** The first worker's connection (a step's session; one connection, not in a transaction). */
  readonly sql: Sql;
  /** Where the other workers connect; needed when `workers` > 1. */
  readonly target?: ConnectionTarget;
  readonly workers: number;
  readonly role: WorkerRole;
  readonly settings: RunSettings;
  readonly opts: BackfillOptions;
  log(message: string): void;
  progress?(p: Progress): void;
}

/** What a process's workers did together. */
export interface PoolOutcome {
  readonly workers: number;
  readonly chunks: number;
  readonly rows: number;
  readonly batches: number;
  readonly governor: ReturnType<Governor['summary']>;
}

/** The number of workers from the options (config `backfill.workers`, `--workers`); default 1. */
export function workersOf(options: { workers?: number }): number {
  return options.workers ?? 1;
}

/** Run `workers` workers until every chunk is finished; the first failure stops the others after their batch. */
export async function runWorkerPool(o: PoolOptions): Promise<PoolOutcome> {
  if (o.workers > 1 && !o.target) throw new CortexError('USAGE', 'several backfill workers need the database target to open their connections');
  const board = await ChunkBoard.open(o.sql, await mappedTables(o.sql), o.log, o.role === 'migrate', o.progress);
  const governor = await createGovernor(o.settings.options, { ...(o.target ? { target: o.target } : {}), loop: o.sql });
  const shared: WorkerShared = { settings: o.settings, opts: o.opts, governor, board, role: o.role };
  const conns: Sql[] = [];
  try {
    for (let i = 1; i < o.workers; i++) {
      conns.push(await openDatabase(o.target!, { max: 1, applicationName: applicationName('worker') }));
    }
    const runs = [o.sql, ...conns].map((sql) =>
      runWorker(sql, shared).catch((err: unknown) => {
        shared.failure ??= err;
        throw err;
      }));
    const settled = await Promise.allSettled(runs);
    if (shared.failure) throw shared.failure;
    const outs = settled.map((s) => (s as PromiseFulfilledResult<WorkerOutcome>).value);
    // A worker killed between its last batch and marking its table finished leaves that to us.
    await finishTables(o.sql);
    await board.logFinished(o.sql);
    return {
      workers: o.workers,
      chunks: outs.reduce((n, w) => n + w.chunks, 0),
      rows: outs.reduce((n, w) => n + w.rows, 0),
      batches: outs.reduce((n, w) => n + w.batches, 0),
      governor: governor.summary(),
    };
  } finally {
    await Promise.all(conns.map((c) => c.end({ timeout: 5 }).catch(() => {})));
    await governor.close();
  }
}
