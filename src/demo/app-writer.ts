import type { Sql } from '../db/client.js';

/** What the simulated application did. */
export interface WriterStats {
  writes: number;
  failed: number;
  lastError?: string;
}

/** A running simulated application: `stop()` ends its loops and returns what it did. */
export interface AppWriter {
  stats: WriterStats;
  stop(): Promise<WriterStats>;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

// One application write, as the legacy app makes them: new contacts and tasks, renames, status moves, deletes.
async function write(sql: Sql, worker: number, i: number): Promise<void> {
  switch (i % 6) {
    case 0:
      await sql`insert into crm.contacts (full_name, profession) values (${`Demo contact ${worker}-${i}`}, 'demo')`;
      return;
    case 1: {
      const [c] = await sql<{ id: number }[]>`select contact_id as id from crm.contacts order by random() limit 1`;
      await sql`insert into crm.tasks (title, status, assigned_contact_id) values (${`Demo task ${worker}-${i}`}, 'pending', ${c?.id ?? null})`;
      return;
    }
    case 2:
      await sql`update crm.contacts set full_name = ${`Renamed ${worker}-${i}`}, updated_at = now()
                where contact_id = (select max(contact_id) from crm.contacts) - ${(i * 7) % 50}`;
      return;
    case 3:
      await sql`update crm.tasks set status = 'done', completed_at = now(), updated_at = now()
                where task_id = (select max(task_id) from crm.tasks) - ${(i * 13) % 50}`;
      return;
    case 4:
      await sql.begin(async (tx) => {
        const [c] = await tx<{ id: number }[]>`insert into crm.contacts (full_name) values (${`Short-lived ${worker}-${i}`}) returning contact_id as id`;
        await tx`update crm.contacts set notes = 'checked' where contact_id = ${c!.id}`;
      });
      return;
    default:
      await sql`delete from crm.contacts where full_name like ${`Short-lived ${worker}-%`} and contact_id not in (
                  select assigned_contact_id from crm.tasks where assigned_contact_id is not null)`;
  }
}

/**
 * Start `workers` loops writing the legacy tables every `delayMs`, the way the application keeps
 * doing during a migration. A failed write is counted (the demo requires none) and the loop goes on.
 */
export function startAppWriter(sql: Sql, workers = 2, delayMs = 20): AppWriter {
  const stats: WriterStats = { writes: 0, failed: 0 };
  let running = true;
  const loop = async (w: number) => {
    for (let i = 0; running; i++) {
      try {
        await write(sql, w, i);
        stats.writes++;
      } catch (err) {
        if (!running) return;
        stats.failed++;
        stats.lastError = (err as Error).message;
      }
      await pause(delayMs);
    }
  };
  const loops = Array.from({ length: workers }, (_, w) => loop(w + 1));
  return {
    stats,
    async stop() {
      running = false;
      await Promise.all(loops);
      return stats;
    },
  };
}
