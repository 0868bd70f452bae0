// CREATE INDEX CONCURRENTLY commits the new index's catalog entry, marked INVALID, before it waits
// for the transactions that use the table and builds it. A failure after that point (a lock
// timeout while it waits, a deadlock, a cancel) leaves the INVALID index behind: queries never
// use it, yet every write still maintains it, and a second `CREATE INDEX CONCURRENTLY IF NOT
// EXISTS` of the same name skips it with a notice. Before such a statement runs again, its
// INVALID leftover is dropped.
import { stripComments } from './statements.js';
import type { Sql } from '../db/client.js';

const NAME = String.raw`("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)`;
const TABLE = String.raw`((?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)(?:\.(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*))?)`;
const CIC_RE = new RegExp(String.raw`^create\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?(?:${NAME}\s+)?on\s+(?:only\s+)?${TABLE}`, 'is');

// An identifier as PostgreSQL folds it: quoted as written (doubled quotes undone), else lower case.
function folded(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident.toLowerCase();
}

/** The index a `CREATE INDEX CONCURRENTLY` statement builds: its name (undefined when the server picks one) and its table as written. */
export function concurrentIndexOf(statement: string): { name?: string; table: string } | undefined {
  const m = CIC_RE.exec(stripComments(statement));
  if (!m) return undefined;
  return { ...(m[1] ? { name: folded(m[1]) } : {}), table: m[2]! };
}

/**
 * When `statement` is a CREATE INDEX CONCURRENTLY whose index exists INVALID on its table, drop
 * that index (concurrently, so writes continue) and say so; return the name dropped. A nameless
 * CREATE INDEX CONCURRENTLY cannot be matched to its leftover, which is reported, not guessed.
 */
export async function dropInvalidIndexFor(sql: Sql, statement: string, log: (m: string) => void): Promise<string | undefined> {
  const cic = concurrentIndexOf(statement);
  if (!cic) return undefined;
  if (!cic.name) {
    log(`CREATE INDEX CONCURRENTLY on ${cic.table} has no index name: an INVALID index an earlier attempt left cannot be told apart and is not dropped`);
    return undefined;
  }
  // The table is resolved as the statement resolves it (same connection, same search_path).
  const [invalid] = await sql<{ schema: string; name: string }[]>`
    select n.nspname as schema, c.relname as name
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
    where i.indrelid = to_regclass(${cic.table}) and c.relname = ${cic.name} and not i.indisvalid`;
  if (!invalid) return undefined;
  await sql`drop index concurrently if exists ${sql(invalid.schema)}.${sql(invalid.name)}`;
  const dropped = `${invalid.schema}.${invalid.name}`;
  log(`dropped INVALID index ${dropped}, left by an earlier CREATE INDEX CONCURRENTLY that failed part-way, before building it again`);
  return dropped;
}
