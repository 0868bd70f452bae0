import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type ConnectionTarget, passwordOf } from '../config/connection.js';
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
  const args = ['--format=custom', `--file=${file}`, `--host=${target.host}`, `--port=${target.port}`, `--username=${target.user}`, `--dbname=${target.database}`];
  for (const s of schemas) args.push(`--schema=${s}`);
  // Named like this process's own backends: pg_stat_activity shows whose it is, and a stop cancels it too.
  const env = { ...process.env, PGPASSWORD: passwordOf(target) ?? process.env.PGPASSWORD ?? '', PGAPPNAME: applicationName('backup') };
  try {
    await run('pg_dump', args, { env, maxBuffer: 1 << 20, ...(signal ? { signal } : {}) });
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
  return file;
}
