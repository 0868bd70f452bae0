import { CortexError } from '../errors.js';
import { maskUrl, rememberSecret } from './secrets.js';

/** Where the connection settings came from, in precedence order. */
export type ConnectionSource = 'option' | 'DATABASE_URL' | 'PG*';

/** A resolved, validated connection target. `display` is safe to print. */
export interface ConnectionTarget {
  url: string;
  display: string;
  source: ConnectionSource;
  host: string;
  port: number;
  database: string;
  user: string;
}

const PG_VARS = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE', 'PGSSLMODE'] as const;

function fromPgEnv(env: NodeJS.ProcessEnv): string | undefined {
  if (!PG_VARS.some((k) => env[k] !== undefined && env[k] !== '')) return undefined;
  const user = env.PGUSER ?? env.USER ?? 'postgres';
  const host = env.PGHOST ?? 'localhost';
  const port = env.PGPORT ?? '5432';
  const database = env.PGDATABASE ?? user;
  const auth = env.PGPASSWORD
    ? `${encodeURIComponent(user)}:${encodeURIComponent(env.PGPASSWORD)}`
    : encodeURIComponent(user);
  // A socket directory goes in the query string, as libpq does it.
  const hostPart = host.startsWith('/') ? '' : host.includes(':') ? `[${host}]` : host;
  const params = new URLSearchParams();
  if (host.startsWith('/')) params.set('host', host);
  if (env.PGSSLMODE) params.set('sslmode', env.PGSSLMODE);
  const query = params.toString() ? `?${params.toString()}` : '';
  return `postgres://${auth}@${hostPart}:${port}/${encodeURIComponent(database)}${query}`;
}

/** Parse and validate a postgres URL; a malformed one is a usage error (exit 2). */
export function parseDatabaseUrl(url: string, source: ConnectionSource): ConnectionTarget {
  const bad = (why: string): never => {
    throw new CortexError('USAGE', `invalid database URL from ${source} (${maskUrl(url)}): ${why}`);
  };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return bad('not a URL; expected postgres://user:password@host:port/database (percent-encode / : @ # ? % in the password)');
  }
  rememberSecret(parsed.password);
  try {
    rememberSecret(decodeURIComponent(parsed.password));
  } catch {
    // Remembered as written (above), then refused: the driver would fail on it with a bare URIError.
    return bad('bad percent-encoding in the password');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    bad(`unsupported scheme "${parsed.protocol.replace(/:$/, '')}"; expected postgres:// or postgresql://`);
  }
  const socketHost = parsed.searchParams.get('host');
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || socketHost || '';
  if (!host) bad('no host');
  const port = parsed.port ? Number(parsed.port) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) bad(`bad port "${parsed.port}"`);
  let user: string;
  let database: string;
  try {
    user = decodeURIComponent(parsed.username) || 'postgres';
    database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user;
  } catch {
    return bad('bad percent-encoding');
  }
  if (database.includes('/')) bad(`bad database name "${database}"`);
  return { url, display: maskUrl(url), source, host, port, database, user };
}

/**
 * Resolve the connection: `--database-url` > `DATABASE_URL` > `PG*` variables.
 * Throws a usage error (exit 2) when nothing is configured or the URL is malformed.
 */
export function resolveConnection(
  optionUrl: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ConnectionTarget {
  if (optionUrl !== undefined && optionUrl !== '') return parseDatabaseUrl(optionUrl, 'option');
  if (env.DATABASE_URL) return parseDatabaseUrl(env.DATABASE_URL, 'DATABASE_URL');
  const pg = fromPgEnv(env);
  if (pg) return parseDatabaseUrl(pg, 'PG*');
  throw new CortexError(
    'USAGE',
    'no database configured: pass --database-url, or set DATABASE_URL or the PG* variables',
  );
}

/** The password of a target, if any (used only to scrub driver messages). */
export function passwordOf(target: ConnectionTarget): string | undefined {
  try {
    const p = new URL(target.url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

/** The same server, another database (for scratch and test databases). */
export function withDatabase(target: ConnectionTarget, database: string): ConnectionTarget {
  const u = new URL(target.url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return parseDatabaseUrl(u.toString(), target.source);
}
