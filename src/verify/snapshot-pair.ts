import type { ConnectionTarget } from '../config/connection.js';
import { applicationName, openDatabase, type Sql } from '../db/client.js';
import { inTransaction } from '../db/transaction.js';

/**
 * Run `work` on a second connection that sees exactly the snapshot of `sql`'s open transaction
 * (pg_export_snapshot / SET TRANSACTION SNAPSHOT), read-only and rolled back at the end. Lets a
 * verify use both cores without giving up its single consistent view. `sql` must be inside a
 * REPEATABLE READ transaction.
 */
export async function withSnapshotTwin<T>(sql: Sql, target: ConnectionTarget, work: (twin: Sql) => Promise<T>): Promise<T> {
  const [snap] = await sql<{ id: string }[]>`select pg_export_snapshot() as id`;
  const db = await openDatabase(target, { max: 1, applicationName: applicationName('validate') });
  try {
    return await inTransaction(db, async (tx) => {
      // SET TRANSACTION SNAPSHOT takes no parameters; the id comes from the server and is quoted.
      await tx.unsafe(`set transaction snapshot '${snap!.id.replace(/'/g, "''")}'`);
      return work(tx);
    }, { mode: 'isolation level repeatable read read only', rollback: true });
  } finally {
    await db.end({ timeout: 5 });
  }
}
