import { type Progress, progressOf } from '../backfill/progress.js';
import { throwIfStopped } from '../runner/interrupt.js';
import type { Sql } from './client.js';
import { withLockRetry } from './retry.js';

/**
 * Replay one table's change log into the target, oldest first, one chunk per transaction, until
 * it is empty; returns the number of keys replayed. `sql` must not be inside a transaction: each
 * chunk commits on its own, so the rows it share-locks hold a concurrent writer back for one
 * chunk at most, and a lock timeout retries that chunk, not the whole log. Progress is counted in
 * log entries, against the table's log size at the start.
 */
export async function drainChangeLog(
  sql: Sql,
  schema: string,
  table: string,
  retries: number,
  onProgress?: (p: Progress) => void,
): Promise<number> {
  const [t] = await sql<{ n: number }[]>`
    select count(*)::int as n from cortex_migration.change_log where old_schema = ${schema} and old_table = ${table}`;
  const started = Date.now();
  let done = 0;
  let keys = 0;
  for (;;) {
    throwIfStopped();
    const r = await withLockRetry(async () => {
      const [c] = await sql<{ entries: number | null; keys: number | null }[]>`
        select entries, keys from cortex_migration.drain_change_log(${schema}, ${table})`;
      return c!;
    }, { retries });
    if (r.entries === null) return keys;
    done += r.entries;
    keys += r.keys ?? 0;
    onProgress?.(progressOf(`${schema}.${table} change log`, done, Math.max(t!.n, done), 0, started));
  }
}
