// The registry of backfill workers (cortex_migration.backfill_workers): each worker's row names
// its machine, process and work connection, so `cortex status` can tell the live ones (their
// backend is still in pg_stat_activity) from the ones that exited or were killed.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/client.js';

/** Who runs a worker: the `migrate phase 3` process, or `cortex backfill work`. */
export type WorkerRole = 'migrate' | 'work';

/** Register a worker whose work connection is `sql` (one connection); returns its id. */
export async function registerWorker(sql: Sql, role: WorkerRole): Promise<string> {
  const id = randomUUID();
  await sql`
    insert into cortex_migration.backfill_workers (id, host, pid, role, backend_pid, backend_start)
    select ${id}::uuid, ${hostname()}, ${process.pid}, ${role}, pg_backend_pid(), a.backend_start
      from pg_stat_activity a where a.pid = pg_backend_pid()`;
  return id;
}

/** The worker has no chunk left to take (or stopped): it is no longer live. */
export async function finishWorker(sql: Sql, id: string): Promise<void> {
  await sql`update cortex_migration.backfill_workers set finished_at = clock_timestamp(), updated_at = clock_timestamp(),
              cur_schema = null, cur_table = null, cur_chunk = null where id = ${id}::uuid`;
}
