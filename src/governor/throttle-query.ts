// A DBA's own throttle query (`--throttle-query`), as gh-ost offers: while it returns true the
// batch loops hold. It runs in a read-only transaction with a short statement_timeout, so a
// mistaken query can neither write nor hang the backfill.
import type { Sql } from '../db/client.js';
import { CortexError } from '../errors.js';

/** The throttle query's statement_timeout (ms). */
export const THROTTLE_QUERY_TIMEOUT_MS = 2_000;

/**
 * Run the query once: true when its first row's first column is true or a non-zero number; no
 * row is false. Any other value, or an error, throws (the error's own message, one line).
 */
export async function runThrottleQuery(sql: Sql, query: string): Promise<boolean> {
  // Statement by statement, not sql.begin: the connection may be a reserved one, which has no begin.
  await sql`begin read only`;
  let rows: Record<string, unknown>[];
  try {
    await sql`select set_config('statement_timeout', ${`${THROTTLE_QUERY_TIMEOUT_MS}ms`}, true)`;
    rows = await sql.unsafe<Record<string, unknown>[]>(query);
    await sql`commit`;
  } catch (err) {
    await sql`rollback`.catch(() => {});
    throw err;
  }
  const first = rows[0];
  if (!first) return false;
  const value = Object.values(first)[0];
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value) !== 0;
  if (value === null) return false;
  throw new Error(`it must return a boolean or a number, got ${JSON.stringify(value)}`);
}

/** The first line of an error's message. */
export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
}

/** Run the query once before any batch: an error is a usage error (exit 2), in one line. */
export async function validateThrottleQuery(sql: Sql, query: string): Promise<void> {
  try {
    await runThrottleQuery(sql, query);
  } catch (err) {
    throw new CortexError('USAGE', `--throttle-query failed: ${firstLine(err)}`);
  }
}
