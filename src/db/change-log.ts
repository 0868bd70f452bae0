import type { Sql } from './client.js';
import { withLockRetry } from './retry.js';

/**
 * Replay one table's change log into the target, oldest first, one chunk per transaction, until
 * it is empty; returns the number of keys replayed. `sql` must not be inside a transaction: each
 * chunk commits on its own, so the rows it share-locks hold a concurrent writer back for one
 * chunk at most, and a lock timeout retries that chunk, not the whole log.
 */
export async function drainChangeLog(sql: Sql, schema: string, table: string, retries: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await withLockRetry(async () => {
      const [r] = await sql<{ n: number | null }[]>`select cortex_migration.drain_change_log(${schema}, ${table}) as n`;
      return r!.n;
    }, { retries });
    if (n === null) return total;
    total += n;
  }
}
