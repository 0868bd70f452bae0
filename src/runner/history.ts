// The ledger's event log as `cortex log` reads it: read-only, and readable on a ledger written
// before an event's who and plan were recorded (those columns are read by name through to_jsonb,
// so an older ledger answers null instead of failing).
import type { Sql } from '../db/client.js';
import type { EventDirection } from './ledger.js';
import { ledgerExists } from './ledger.js';

/** One event of `cortex_migration.events`, as `cortex log` prints it. */
export interface LedgerEvent {
  id: number;
  at: string;
  runId: string;
  plan: string | null;
  phase: number;
  step: string | null;
  direction: EventDirection;
  checksum: string | null;
  durationMs: number | null;
  osUser: string | null;
  host: string | null;
  dbUser: string | null;
  details: Record<string, unknown> | null;
}

/** Which events to read: of one phase, of one step, at most `limit` (0: all). */
export interface EventFilter {
  phase?: number;
  step?: string;
  limit: number;
}

/** The events matching `filter`, newest first, and how many match in all. */
export interface EventPage {
  events: LedgerEvent[];
  total: number;
}

interface EventRow {
  id: string;
  at: Date;
  run_id: string;
  plan: string | null;
  phase: number;
  step_id: string | null;
  direction: EventDirection;
  checksum: string | null;
  duration_ms: number | null;
  os_user: string | null;
  host: string | null;
  db_user: string | null;
  details: Record<string, unknown> | null;
}

/** Read the events matching `filter`, newest first; none when the database has no ledger. */
export async function readEvents(sql: Sql, filter: EventFilter): Promise<EventPage> {
  if (!(await ledgerExists(sql))) return { events: [], total: 0 };
  const where = sql`where true
    ${filter.phase === undefined ? sql`` : sql`and e.phase = ${filter.phase}`}
    ${filter.step === undefined ? sql`` : sql`and e.step_id = ${filter.step}`}`;
  const [count] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.events e ${where}`;
  const rows = await sql<EventRow[]>`
    select e.id, e.at, e.run_id, e.phase, e.step_id, e.direction, e.checksum, e.duration_ms, e.details,
           to_jsonb(e) ->> 'plan' as plan, to_jsonb(e) ->> 'os_user' as os_user,
           to_jsonb(e) ->> 'host' as host, to_jsonb(e) ->> 'db_user' as db_user
    from cortex_migration.events e ${where}
    order by e.at desc, e.id desc
    ${filter.limit > 0 ? sql`limit ${filter.limit}` : sql``}`;
  return {
    total: count?.n ?? 0,
    events: rows.map((r) => ({
      id: Number(r.id),
      at: new Date(r.at).toISOString(),
      runId: r.run_id,
      plan: r.plan,
      phase: r.phase,
      step: r.step_id,
      direction: r.direction,
      checksum: r.checksum,
      durationMs: r.duration_ms,
      osUser: r.os_user,
      host: r.host,
      dbUser: r.db_user,
      details: r.details,
    })),
  };
}
