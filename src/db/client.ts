import postgres from 'postgres';
import { type ConnectionTarget, endpoints, isSocketDir, passwordOf } from '../config/connection.js';
import { redact } from '../config/secrets.js';
import { CortexError } from '../errors.js';

/** The postgres.js client type used throughout cortex. */
export type Sql = postgres.Sql<Record<string, never>>;

/** Options for opening a client. */
export interface OpenOptions {
  max?: number;
  applicationName?: string;
  connectTimeoutSeconds?: number;
  /** Fetch the server's array types when a connection starts (postgres.js default: true). */
  fetchTypes?: boolean;
}

// Every cortex client is made here, so all share one set of driver settings.
// The target is given as options, not as a URL: postgres.js would read a socket written `%2Ftmp`
// as a host name and send `?host=` or `?password=` to the server as settings. It connects to a
// socket path, tries the hosts in order and honours target_session_attrs itself.
function createClient(target: ConnectionTarget, opts: OpenOptions): Sql {
  const socket = target.hosts.length === 1 && isSocketDir(target.host);
  return postgres({
    // Arrays, which postgres.js takes as they are (its types say string, and its own splitting of
    // "h1:5432,h2:5432" would cut an IPv6 address at its first colon).
    host: target.hosts.map((h) => h.host) as unknown as string,
    port: target.hosts.map((h) => h.port) as unknown as number,
    ...(socket ? { path: `${target.host}/.s.PGSQL.${target.port}` } : {}),
    database: target.database,
    user: target.user,
    // A function, so postgres.js does not fall back to PGPASSWORD behind the resolved target.
    pass: () => target.password ?? '',
    // libpq uses no TLS on a Unix socket, whatever sslmode says; without sslmode, none either.
    ssl: socket || !target.sslmode || target.sslmode === 'disable' ? false : (target.sslmode as 'require'),
    ...(target.targetSessionAttrs ? { target_session_attrs: target.targetSessionAttrs as 'primary' } : {}),
    max: opts.max ?? 4,
    onnotice: () => {},
    connect_timeout: opts.connectTimeoutSeconds ?? target.connectTimeoutSeconds ?? 10,
    idle_timeout: 30,
    fetch_types: opts.fetchTypes ?? true,
    connection: { ...target.settings, application_name: opts.applicationName ?? applicationName() },
  }) as unknown as Sql;
}

// SQLSTATEs and driver codes that mean "this target cannot be used", i.e. exit 3.
const CONNECT_SQLSTATES = new Set(['28P01', '28000', '3D000', '57P03', '53300', '08001', '08006']);
const CONNECT_DRIVER_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'SASL_SIGNATURE_MISMATCH',
  'AUTH_TYPE_NOT_IMPLEMENTED',
  'ENOENT',
]);

/** True when the error means the server could not be reached or refused us. */
export function isConnectionFailure(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (CONNECT_SQLSTATES.has(code) || CONNECT_DRIVER_CODES.has(code));
}

/** Turn a driver connection failure into a one-line, password-free CortexError (exit 3). */
export function connectionError(target: ConnectionTarget, err: unknown): CortexError {
  const e = err as { code?: string; message?: string };
  const raw = e?.message ?? String(err);
  const why = redact(raw, [passwordOf(target)]).split('\n')[0];
  const where = `${endpoints(target)}/${target.database} as ${target.user}`;
  return new CortexError('CONNECTION', `cannot connect to ${where}: ${why}${e?.code ? ` (${e.code})` : ''}`);
}

/**
 * application_name of this process's connections (`cortex` or `cortex-<role>`, then the pid), so
 * a run can find its own backends on the server.
 */
export function applicationName(role?: string): string {
  return `cortex${role ? `-${role}` : ''} (pid ${process.pid})`;
}

/**
 * Cancel every statement this process is running on the target's database (its backends, found
 * by application_name), from a connection of its own; returns how many were running.
 */
export async function cancelOwnStatements(target: ConnectionTarget): Promise<number> {
  // No array-type fetch at connect (the query reads one integer), and a bound on the whole
  // attempt: postgres.js 3.4.9 reconnects without end when a starting connection is closed on it
  // (porsager/postgres#1193, #1223), which a Ctrl-C racing a dropped scratch database triggered.
  const sql = createClient(target, { max: 1, fetchTypes: false, connectTimeoutSeconds: 5, applicationName: applicationName('cancel') });
  let timer: NodeJS.Timeout | undefined;
  try {
    const cancel = sql<{ n: number }[]>`
      select count(*) filter (where pg_cancel_backend(pid))::int as n from pg_stat_activity
      where datname = current_database() and usename = current_user and pid <> pg_backend_pid()
        and state = 'active' and application_name like ${`%(pid ${process.pid})`}`;
    const gaveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CortexError('CONNECTION', 'no connection to cancel from within 10 s')), 10_000);
    });
    // The loser must not reject unobserved (Node ends the process on an unhandled rejection).
    cancel.catch(() => {});
    const [r] = await Promise.race([cancel, gaveUp]);
    return r?.n ?? 0;
  } catch (err) {
    if (isConnectionFailure(err)) throw connectionError(target, err);
    throw err;
  } finally {
    clearTimeout(timer);
    await sql.end({ timeout: 0 }).catch(() => {});
  }
}

/**
 * Open a client and prove the connection with one round trip, so that a bad target fails here
 * with exit 3 instead of deep inside a command.
 */
export async function openDatabase(target: ConnectionTarget, opts: OpenOptions = {}): Promise<Sql> {
  const sql = createClient(target, opts);
  let timer: NodeJS.Timeout | undefined;
  try {
    const first = sql`select 1`;
    if (target.hosts.length > 1) {
      // postgres.js 3.4.9 retries a host list without end when no host answers
      // (porsager/postgres#1174): the attempt is bounded by each host's connect timeout.
      const seconds = (opts.connectTimeoutSeconds ?? target.connectTimeoutSeconds ?? 10) * target.hosts.length;
      const gaveUp = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no host of ${target.hosts.length} accepted a connection within ${seconds} s`), { code: 'CONNECT_TIMEOUT' })), seconds * 1000);
      });
      first.catch(() => {});
      await Promise.race([first, gaveUp]);
    } else {
      await first;
    }
  } catch (err) {
    clearTimeout(timer);
    await sql.end({ timeout: 0 }).catch(() => {});
    // `select 1` itself cannot fail: anything here is the connection's (a startup parameter the
    // server rejects, a TLS setting, an auth method the driver lacks).
    throw connectionError(target, err);
  }
  clearTimeout(timer);
  return sql;
}
