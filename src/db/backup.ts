import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ConnectionTarget } from '../config/connection.js';
import { makeDirs } from '../fs/writable-dir.js';
import { applicationName } from './client.js';

const run = promisify(execFile);

/** Major version of the installed pg_dump, or undefined when there is none. */
export async function pgDumpMajor(): Promise<number | undefined> {
  try {
    const { stdout } = await run('pg_dump', ['--version']);
    const m = /(\d+)(?:\.\d+)?/.exec(stdout.replace(/^[^\d]*/, ''));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** pg_dump can dump servers of its own major version and older ones. */
export function compatible(dumpMajor: number | undefined, serverMajor: number): boolean {
  return dumpMajor !== undefined && dumpMajor >= serverMajor;
}

// Variables that would steer libpq elsewhere than the resolved target (a service's values even
// win over PG* variables) or add settings cortex did not resolve.
const LIBPQ_VARS = /^PG(HOST|HOSTADDR|PORT|DATABASE|USER|PASSWORD|PASSFILE|SERVICE|SERVICEFILE|SSLMODE|TARGETSESSIONATTRS|OPTIONS|CONNECT_TIMEOUT|APPNAME)$/;

/**
 * The environment pg_dump runs with: the resolved target in libpq's variables (hosts and ports
 * comma-joined, sslmode, target_session_attrs, options), the password through PGPASSWORD, never
 * the command line.
 */
export function libpqEnv(target: ConnectionTarget, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!LIBPQ_VARS.test(k)) env[k] = v;
  Object.assign(env, {
    PGHOST: target.hosts.map((h) => h.host).join(','),
    PGPORT: target.hosts.map((h) => h.port).join(','),
    PGDATABASE: target.database,
    PGUSER: target.user,
    // The same TLS as cortex's own connections (none unless sslmode says so).
    PGSSLMODE: target.sslmode ?? 'disable',
    PGAPPNAME: applicationName('backup'),
  });
  if (target.password !== undefined) env.PGPASSWORD = target.password;
  if (target.targetSessionAttrs) env.PGTARGETSESSIONATTRS = target.targetSessionAttrs;
  if (target.connectTimeoutSeconds) env.PGCONNECT_TIMEOUT = String(target.connectTimeoutSeconds);
  if (target.settings.options) env.PGOPTIONS = target.settings.options;
  return env;
}

/**
 * Dump the given schemas (custom format) with pg_dump; the password goes through PGPASSWORD,
 * never the command line. Returns the file path. `signal` stops pg_dump; a dump that did not
 * finish is deleted, so no truncated file passes for a backup.
 */
export async function dumpSchemas(target: ConnectionTarget, schemas: string[], dir: string, signal?: AbortSignal): Promise<string> {
  await makeDirs(resolve(dir));
  const file = resolve(join(dir, `${target.database}-legacy-${new Date().toISOString().replace(/[:.]/g, '-')}.dump`));
  // The dump holds every legacy row: readable by this user only. pg_dump keeps the mode of a file
  // that exists, so it is created first, empty, with mode 600.
  await writeFile(file, '', { mode: 0o600, flag: 'wx' });
  const args = ['--format=custom', `--file=${file}`];
  for (const s of schemas) args.push(`--schema=${s}`);
  // Named like this process's own backends (PGAPPNAME): pg_stat_activity shows whose it is, and a stop cancels it too.
  const env = libpqEnv(target);
  try {
    await run('pg_dump', args, { env, maxBuffer: 1 << 20, ...(signal ? { signal } : {}) });
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
  return file;
}
