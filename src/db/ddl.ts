import type { RunSettings } from '../plan/model.js';
import type { Sql } from './client.js';
import { withLockRetry } from './retry.js';
import { rollbackUnlessLost } from './transaction.js';

/**
 * Run `fn` in its own short transaction with `lock_timeout`, retrying with backoff when the lock
 * is not granted in time. For DDL on busy legacy tables: each table is locked for one quick
 * statement, never for a whole phase. `sql` must be a single connection (not in a transaction).
 */
export async function shortDdl(
  sql: Sql,
  settings: Pick<RunSettings, 'lockTimeoutMs' | 'lockRetries'>,
  fn: (tx: Sql) => Promise<unknown>,
  onRetry?: (attempt: number, delayMs: number, err: unknown) => void,
): Promise<void> {
  await withLockRetry(
    async () => {
      await sql`begin`;
      try {
        await sql`select set_config('lock_timeout', ${`${settings.lockTimeoutMs}ms`}, true)`;
        await fn(sql);
        await sql`commit`;
      } catch (err) {
        await rollbackUnlessLost(sql, err);
        throw err;
      }
    },
    { retries: settings.lockRetries, onRetry },
  );
}
