// Test helpers for the aurora-merge plan: Aurora's application writing as it does today (inserts
// without org_id), and a watcher of the ACCESS EXCLUSIVE locks taken on its tables.
import postgres from 'postgres';
import type { Sql } from '../../src/db/client.js';

/** What the simulated application did. */
export interface AppWrites {
  writes: number;
  failures: string[];
}

/**
 * Write like Aurora until stopped: a message in an existing conversation, and every tenth time a
 * new conversation with its first message in one transaction; never naming org_id.
 */
export function startAuroraApp(url: string): { stop(): Promise<AppWrites> } {
  const sql = postgres(url, { max: 1, onnotice: () => {} }) as unknown as Sql;
  const out: AppWrites = { writes: 0, failures: [] };
  let running = true;
  const loop = (async () => {
    const convs = (await sql<{ id: string; user_id: string | null }[]>`select id, user_id from public.conversations order by id limit 500`);
    for (let i = 0; running; i++) {
      const c = convs[i % convs.length]!;
      try {
        if (i % 10 === 0) {
          await sql.begin(async (tx) => {
            const [n] = await tx<{ id: string }[]>`
              insert into public.conversations (id, user_id, title) values (gen_random_uuid(), ${c.user_id}, 'new chat') returning id`;
            await tx`insert into public.messages (id, conversation_id, role, content) values (gen_random_uuid(), ${n!.id}, 'user', 'hi')`;
          });
        } else {
          await sql`insert into public.messages (id, conversation_id, role, content, token_count)
                    values (gen_random_uuid(), ${c.id}, 'user', ${`message ${i}`}, 3)`;
        }
        out.writes++;
      } catch (err) {
        out.failures.push((err as Error).message);
      }
      await new Promise((r) => setTimeout(r, 3));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await sql.end();
      return out;
    },
  };
}

/** Longest time (ms) one backend held a lock of `mode` on each of the tables, as seen by polling pg_locks. */
export function watchLocks(url: string, tables: string[], mode: string): { stop(): Promise<Map<string, number>> } {
  const sql = postgres(url, { max: 1, onnotice: () => {} }) as unknown as Sql;
  const longest = new Map<string, number>();
  const since = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const rows = await sql<{ t: string; pid: number }[]>`
        select c.relname as t, l.pid from pg_locks l join pg_class c on c.oid = l.relation
        where l.locktype = 'relation' and l.granted and l.mode = ${mode} and c.relnamespace = 'public'::regnamespace
          and c.relname = any(${tables}::text[]) and l.pid <> pg_backend_pid()`;
      const now = performance.now();
      const seen = new Set(rows.map((r) => `${r.t}:${r.pid}`));
      for (const k of seen) if (!since.has(k)) since.set(k, now);
      for (const [k, t0] of since) {
        const held = now - t0;
        const t = k.split(':')[0]!;
        longest.set(t, Math.max(longest.get(t) ?? 0, held));
        if (!seen.has(k)) since.delete(k);
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await sql.end();
      return longest;
    },
  };
}
