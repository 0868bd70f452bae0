// libpq's two files: the connection service file (pg_service.conf) and the password file
// (.pgpass). Read synchronously: a connection is resolved once, before anything connects.
// npm's `pgpass` was not used: it is callback-only, reads process.env itself, and skips lines
// shorter than 11 characters (`*:*:*:u:pw` is a valid entry).
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConnParams } from './conninfo.js';

/** A service file that names no such service, or a malformed line in one. */
export class ServiceError extends Error {}

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME || homedir();
}

function readIfFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

// One INI section of a service file, or undefined when the file has no such section.
function section(text: string, file: string, service: string): ConnParams | undefined {
  let current: string | undefined;
  let found: ConnParams | undefined;
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      if (found) return found;
      current = line.replace(/^\[|\]$/g, '');
      if (current === service) found = {};
      continue;
    }
    if (current !== service) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new ServiceError(`syntax error in service file "${file}", line ${n + 1}`);
    const key = line.slice(0, eq).trim();
    // libpq refuses a service that names another service.
    if (key === 'service') throw new ServiceError(`nested "service" in service file "${file}", line ${n + 1}`);
    found![key] = line.slice(eq + 1).trim();
  }
  return found;
}

/**
 * The keywords of a service, looked up as libpq does: the user's file (`PGSERVICEFILE`, else
 * `~/.pg_service.conf`) first, then `PGSYSCONFDIR/pg_service.conf`.
 */
export function readService(service: string, env: NodeJS.ProcessEnv): ConnParams {
  const files = [env.PGSERVICEFILE || join(home(env), '.pg_service.conf')];
  if (env.PGSYSCONFDIR) files.push(join(env.PGSYSCONFDIR, 'pg_service.conf'));
  for (const file of files) {
    const text = readIfFile(file);
    const found = text === undefined ? undefined : section(text, file, service);
    if (found) return found;
  }
  throw new ServiceError(`definition of service "${service}" not found (looked in ${files.join(', ')})`);
}

const DEFAULT_SOCKET_DIRS = new Set(['/tmp', '/var/run/postgresql', '/run/postgresql']);

/** What a password file entry is matched against. */
export interface PassKey {
  host: string;
  port: string;
  database: string;
  user: string;
}

// A line's fields, split on unescaped `:`, with `\:` and `\\` unescaped.
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else if (c === ':' && out.length < 4) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * The password for `key` from the password file (`passfile`, else `PGPASSFILE`, else
 * `~/.pgpass`): the first matching line wins, `*` matches anything. As libpq does, a file that
 * others can read is ignored with a warning (through `warn`).
 */
export function pgpassLookup(key: PassKey, env: NodeJS.ProcessEnv, passfile: string | undefined, warn: (m: string) => void): string | undefined {
  const file = passfile || env.PGPASSFILE || join(home(env), '.pgpass');
  let mode: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return undefined;
    mode = st.mode;
  } catch {
    return undefined;
  }
  if (mode & 0o077) {
    warn(`WARNING: password file "${file}" has group or world access; permissions should be u=rw (0600) or less`);
    return undefined;
  }
  // libpq writes the default socket directory as `localhost`; which directory is the default
  // depends on the build (/tmp upstream, /var/run/postgresql on Debian), so both spellings match.
  const hosts = DEFAULT_SOCKET_DIRS.has(key.host) ? [key.host, 'localhost'] : [key.host];
  const rest = [key.port, key.database, key.user];
  for (const raw of (readIfFile(file) ?? '').split(/\r?\n/)) {
    if (raw === '' || raw.startsWith('#')) continue;
    const f = fields(raw);
    if (f.length < 5) continue;
    const hostOk = f[0] === '*' || hosts.includes(f[0]!);
    if (hostOk && rest.every((w, i) => f[i + 1] === '*' || f[i + 1] === w)) return f[4] || undefined;
  }
  return undefined;
}
