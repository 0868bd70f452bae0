// The target writes the reverse sync deferred while their legacy row was busy (see
// docs/two-way-sync.md): applied before anything that needs both sides equal (phase 4's up, the
// archive, the rollbacks of phases 4 and 6).
import type { Sql } from './client.js';
import { withLockRetry } from './retry.js';

/** Apply the deferred target writes until none is left (a legacy row still busy: retried); returns how many entries. */
export async function drainReverseLog(sql: Sql, retries: number): Promise<number> {
  const [exists] = await sql<{ ok: boolean }[]>`select to_regproc('cortex_migration.drain_reverse_log') is not null as ok`;
  if (!exists!.ok) return 0;
  let total = 0;
  for (;;) {
    const n = await withLockRetry(async () => {
      const [r] = await sql<{ n: number }[]>`select cortex_migration.drain_reverse_log(100) as n`;
      return r!.n;
    }, { retries });
    total += n;
    if (n === 0) return total;
  }
}
