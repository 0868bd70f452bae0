import { userInfo } from 'node:os';
import { CortexError } from '../errors.js';
import { ConnInfoError, type ConnParams, parseConnString } from './conninfo.js';
import { pgpassLookup, readService, ServiceError } from './pg-files.js';
import { maskUrl, rememberSecret } from './secrets.js';

/** Where the connection settings came from, in precedence order. */
export type ConnectionSource = 'option' | 'DATABASE_URL' | 'PG*';

/** One server to try: a host name or address, or a Unix socket directory (starts with `/`). */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * A resolved, validated connection target. `url` is its canonical libpq URL and holds the
 * password: print `display`, never `url`.
 */
export interface ConnectionTarget {
  url: string;
  display: string;
  source: ConnectionSource;
  /** The first of `hosts` (what reports name). */
  host: string;
  port: number;
  /** Every host to try, in order (libpq's multi-host lists). */
  hosts: HostPort[];
  database: string;
  user: string;
  password?: string;
  sslmode?: string;
  targetSessionAttrs?: string;
  connectTimeoutSeconds?: number;
  /** Server settings sent when a session starts: `options`, and any parameter libpq does not know. */
  settings: Record<string, string>;
}

// The PG* variables, by the libpq keyword each fills when the string and the service leave it out.
const ENV_BY_KEYWORD: Record<string, string> = {
  host: 'PGHOST',
  port: 'PGPORT',
  dbname: 'PGDATABASE',
  user: 'PGUSER',
  password: 'PGPASSWORD',
  passfile: 'PGPASSFILE',
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  target_session_attrs: 'PGTARGETSESSIONATTRS',
  options: 'PGOPTIONS',
};

// Any of these set means "connect with the PG* variables" when no URL is given.
const PG_VARS = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE', 'PGSSLMODE', 'PGSERVICE'];

// libpq keywords read here; application_name is accepted and not sent, since cortex names its
// sessions itself (the lock holder and a cancel find them by that name).
const HANDLED = new Set(['host', 'port', 'dbname', 'user', 'password', 'passfile', 'service', 'sslmode', 'sslrootcert', 'connect_timeout', 'target_session_attrs', 'options', 'application_name', 'fallback_application_name']);
// libpq keywords the driver cannot honour: refused by name (exit 2), not sent as a server setting.
const UNSUPPORTED = new Set(['hostaddr', 'sslnegotiation', 'sslcert', 'sslkey', 'sslpassword', 'sslcertmode', 'sslcrl', 'sslcrldir', 'sslsni', 'sslcompression', 'requiressl', 'ssl_min_protocol_version', 'ssl_max_protocol_version', 'gssencmode', 'gsslib', 'gssdelegation', 'krbsrvname', 'channel_binding', 'require_auth', 'requirepeer', 'keepalives', 'keepalives_idle', 'keepalives_interval', 'keepalives_count', 'tcp_user_timeout', 'replication', 'load_balance_hosts', 'client_encoding', 'min_protocol_version', 'max_protocol_version']);
const SSLMODES = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']);
const SESSION_ATTRS = new Set(['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby']);

/** True for a Unix socket directory (libpq: a host that starts with `/`). */
export function isSocketDir(host: string): boolean {
  return host.startsWith('/');
}

/** `host:port` for each host (`/dir/.s.PGSQL.port` for a socket), comma-joined, for messages. */
export function endpoints(target: ConnectionTarget): string {
  return target.hosts.map((h) => (isSocketDir(h.host) ? `${h.host}/.s.PGSQL.${h.port}` : `${h.host}:${h.port}`)).join(',');
}

function osUser(env: NodeJS.ProcessEnv): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? 'postgres';
  }
}

// The password of a URL as masking sees it (userinfo up to the last `@`), remembered before any
// parsing, so that no error about the rest of the string can show it.
function rememberRawPassword(text: string): void {
  const rest = /^[a-z][a-z0-9+.-]*:\/+(\S*)/i.exec(text)?.[1] ?? '';
  const at = rest.lastIndexOf('@');
  const colon = rest.indexOf(':');
  if (at < 0 || colon < 0 || colon > at) return;
  const raw = rest.slice(colon + 1, at);
  rememberSecret(raw);
  try {
    rememberSecret(decodeURIComponent(raw));
  } catch {
    // Refused by the parser as bad percent-encoding; the raw form is remembered.
  }
}

function canonicalUrl(t: Omit<ConnectionTarget, 'url' | 'display' | 'source' | 'host' | 'port'>): string {
  const enc = encodeURIComponent;
  const auth = `${enc(t.user)}${t.password !== undefined ? `:${enc(t.password)}` : ''}`;
  // A socket directory is percent-encoded into the host (libpq reads `%2Ftmp` as /tmp).
  const hosts = t.hosts.map(({ host, port }) => `${host.includes(':') ? `[${host}]` : enc(host)}:${port}`).join(',');
  const q = new URLSearchParams();
  if (t.sslmode) q.set('sslmode', t.sslmode);
  if (t.targetSessionAttrs) q.set('target_session_attrs', t.targetSessionAttrs);
  if (t.connectTimeoutSeconds !== undefined) q.set('connect_timeout', String(t.connectTimeoutSeconds));
  for (const [k, v] of Object.entries(t.settings)) q.set(k, v);
  const query = q.toString().replace(/\+/g, '%20');
  return `postgres://${auth}@${hosts}/${enc(t.database)}${query ? `?${query}` : ''}`;
}

/**
 * Merge as libpq does: the string's keywords, then the service's (`service=` or `PGSERVICE`),
 * then the PG* variables, then the defaults; no password then means a `.pgpass` look-up.
 */
function fromParams(given: ConnParams, source: ConnectionSource, env: NodeJS.ProcessEnv, bad: (why: string) => never, warn: (m: string) => void): ConnectionTarget {
  rememberSecret(given.password);
  const serviceName = given.service || env.PGSERVICE;
  let service: ConnParams = {};
  try {
    if (serviceName) service = readService(serviceName, env);
  } catch (err) {
    if (err instanceof ServiceError) bad(err.message);
    throw err;
  }
  rememberSecret(service.password);
  rememberSecret(env.PGPASSWORD);
  const p: ConnParams = {};
  for (const key of new Set([...Object.keys(ENV_BY_KEYWORD), ...Object.keys(service), ...Object.keys(given)])) {
    const envName = ENV_BY_KEYWORD[key];
    const v = [given[key], service[key], envName ? env[envName] : undefined].find((x) => x !== undefined && x !== '');
    if (v !== undefined) p[key] = v;
  }
  const refused = Object.keys(p).filter((k) => UNSUPPORTED.has(k));
  if (refused.length) bad(`${refused.join(', ')}: not supported by cortex's driver (postgres.js)`);

  const names = (p.host ?? '').split(',').map((h) => h || 'localhost');
  const ports = (p.port ?? '').split(',');
  if (ports.length !== 1 && ports.length !== names.length) bad(`${ports.length} ports for ${names.length} hosts`);
  const hosts = names.map((host, i) => {
    const raw = (ports.length === 1 ? ports[0] : ports[i]) || '5432';
    const port = Number(raw);
    // The value is quoted only when it is a number: a mis-parsed URL could put part of a password here.
    if (!/^\d+$/.test(raw) || port < 1 || port > 65535) bad(/^\d+$/.test(raw) ? `bad port "${raw}"` : 'bad port (not a number)');
    return { host, port };
  });
  if (hosts.length > 1 && hosts.some((h) => isSocketDir(h.host))) {
    bad('a Unix socket directory cannot be one of several hosts (the driver connects to one socket path)');
  }
  const user = p.user ?? osUser(env);
  const database = p.dbname ?? user;
  let sslmode = p.sslmode;
  if (sslmode !== undefined && !SSLMODES.has(sslmode)) bad(`bad sslmode "${sslmode}" (one of ${[...SSLMODES].join(', ')})`);
  if (p.sslrootcert !== undefined) {
    // The driver can verify against the system's CAs only; libpq then requires verify-full.
    if (p.sslrootcert !== 'system') bad('sslrootcert: only "system" is supported by cortex\'s driver (postgres.js)');
    if (sslmode !== undefined && sslmode !== 'verify-full') bad('sslrootcert=system requires sslmode=verify-full');
    sslmode = 'verify-full';
  }
  const tsa = p.target_session_attrs;
  if (tsa !== undefined && !SESSION_ATTRS.has(tsa)) bad(`bad target_session_attrs "${tsa}" (one of ${[...SESSION_ATTRS].join(', ')})`);
  let connectTimeoutSeconds: number | undefined;
  if (p.connect_timeout !== undefined) {
    if (!/^\d+$/.test(p.connect_timeout)) bad(`bad connect_timeout "${p.connect_timeout}"`);
    // libpq: 0 waits forever, and anything below 2 s is 2 s.
    connectTimeoutSeconds = Number(p.connect_timeout) === 0 ? undefined : Math.max(2, Number(p.connect_timeout));
  }
  const settings: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) if (!HANDLED.has(k) || k === 'options') settings[k] = v;
  let password = p.password;
  for (const h of password === undefined ? hosts : []) {
    password = pgpassLookup({ host: h.host, port: String(h.port), database, user }, env, p.passfile, warn);
    if (password !== undefined) break;
  }
  rememberSecret(password);
  const t = { hosts, database, user, settings, ...(password !== undefined ? { password } : {}), ...(sslmode ? { sslmode } : {}), ...(tsa && tsa !== 'any' ? { targetSessionAttrs: tsa } : {}), ...(connectTimeoutSeconds ? { connectTimeoutSeconds } : {}) };
  const url = canonicalUrl(t);
  return { ...t, url, display: maskUrl(url), source, host: hosts[0]!.host, port: hosts[0]!.port };
}

function stderrWarning(m: string): void {
  process.stderr.write(`${m}\n`);
}

/**
 * Parse a libpq connection string (a postgres:// URL or `key=value` pairs) and complete it from
 * the service file, the PG* variables and `.pgpass`; a malformed one is a usage error (exit 2).
 */
export function parseDatabaseUrl(text: string, source: ConnectionSource, env: NodeJS.ProcessEnv = process.env, warn: (m: string) => void = stderrWarning): ConnectionTarget {
  rememberRawPassword(text);
  const what = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? 'database URL' : 'connection string';
  const bad = (why: string): never => {
    throw new CortexError('USAGE', `invalid ${what} from ${source} (${maskUrl(text)}): ${why}`);
  };
  let given: ConnParams;
  try {
    given = parseConnString(text);
  } catch (err) {
    if (err instanceof ConnInfoError) return bad(err.message);
    throw err;
  }
  return fromParams(given, source, env, bad, warn);
}

/**
 * Resolve the connection: `--database-url` > `DATABASE_URL` > the PG* variables (which, with a
 * service file and `.pgpass`, also complete a URL, as in libpq). Throws a usage error (exit 2)
 * when nothing is configured or the string is malformed.
 */
export function resolveConnection(optionUrl: string | undefined, env: NodeJS.ProcessEnv = process.env, warn: (m: string) => void = stderrWarning): ConnectionTarget {
  if (optionUrl !== undefined && optionUrl !== '') return parseDatabaseUrl(optionUrl, 'option', env, warn);
  if (env.DATABASE_URL) return parseDatabaseUrl(env.DATABASE_URL, 'DATABASE_URL', env, warn);
  if (PG_VARS.some((k) => env[k] !== undefined && env[k] !== '')) {
    return fromParams({}, 'PG*', env, (why) => {
      throw new CortexError('USAGE', `invalid connection from the PG* variables: ${why}`);
    }, warn);
  }
  throw new CortexError('USAGE', 'no database configured: pass --database-url, or set DATABASE_URL or the PG* variables (PGHOST, PGSERVICE, ...)');
}

/** The password of a target, if any (used only to scrub driver messages and for pg_dump). */
export function passwordOf(target: ConnectionTarget): string | undefined {
  return target.password;
}

/** The same server, another database (for scratch and test databases). */
export function withDatabase(target: ConnectionTarget, database: string): ConnectionTarget {
  const url = canonicalUrl({ ...target, database });
  return { ...target, database, url, display: maskUrl(url) };
}
