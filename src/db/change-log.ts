import { type Progress, progressOf } from '../backfill/progress.js';
import type { Governor } from '../governor/governor.js';
import { stopped, throwIfStopped } from '../runner/interrupt.js';
import type { Sql } from './client.js';
import { withLockRetry } from './retry.js';

/**
 * Replay one table's change log into the target, oldest first, one chunk per transaction, until
 * it is empty; returns the number of keys replayed. `sql` must not be inside a transaction: each
 * chunk (at most `maxKeys` logged keys; a larger log entry is split into slices of that size)
 * commits on its own, so the rows it share-locks hold a concurrent writer back for one chunk at
 * most, and a lock timeout retries that chunk, not the whole log. Progress is counted in logged
 * keys, against the table's log at the start. With a `governor`, each chunk waits for it (pause,
 * throttle query, replica lag), takes its size (up to `maxKeys`) and is paced by it, as a backfill's
 * batch is.
 */
export async function drainChangeLog(
  sql: Sql,
  schema: string,
  table: string,
  retries: number,
  onProgress?: (p: Progress) => void,
  maxKeys = 500,
  governor?: Governor,
): Promise<number> {
  const [t] = await sql<{ n: number }[]>`
    select coalesce(sum(cardinality(old_ids)), 0)::int as n from cortex_migration.change_log
     where old_schema = ${schema} and old_table = ${table}`;
  const started = Date.now();
  let done = 0;
  let keys = 0;
  // Where a large entry's next slice starts; kept here, so a rerun after a crash starts that entry over.
  let resume: { entry: string | null; skip: number } = { entry: null, skip: 0 };
  const label = `${schema}.${table} change log`;
  for (;;) {
    throwIfStopped();
    const size = governor ? Math.min(maxKeys, await governor.beforeBatch(stopped)) : maxKeys;
    throwIfStopped();
    const t0 = performance.now();
    const r = await withLockRetry(async () => {
      const [c] = await sql<{ entries: number | null; keys: number; consumed: number; next_entry: string | null; next_skip: number | null }[]>`
        select entries, keys, consumed, next_entry, next_skip
          from cortex_migration.drain_change_log(${schema}, ${table}, ${size}, ${resume.entry}, ${resume.skip})`;
      return c!;
    }, { retries });
    await governor?.afterBatch(r.consumed, performance.now() - t0, stopped);
    if (r.entries === null) return keys;
    done += r.consumed;
    keys += r.keys;
    resume = { entry: r.next_entry, skip: r.next_skip ?? 0 };
    const p = progressOf(label, done, Math.max(t!.n, done), 0, started);
    onProgress?.(governor ? { ...p, governor: governor.state() } : p);
  }
}
