// The archive's backup: a pg_dump of the legacy schemas (none with --skip-backup); refused when no
// compatible pg_dump is installed, unless --skip-backup. One complete file at a time: an attempt's dump replaces
// the one an earlier, failed attempt left, and a dump that did not finish leaves nothing.
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { compatible, dumpSchemas, pgDumpMajor } from '../../src/db/backup.js';
import { CortexError } from '../../src/errors.js';
import { prepareWritableDir } from '../../src/fs/writable-dir.js';
import type { StepContext } from '../../src/plan/model.js';
import { stopped } from '../../src/runner/interrupt.js';

function backupDir(settings: StepContext['settings']): string {
  return settings.options.backupDir ?? './backups';
}

/**
 * False for an explicit --skip-backup (the DBA's choice, recorded in the report); true when pg_dump
 * will run (and --backup-dir is a writable directory, else exit 2); refuses (exit 6) otherwise.
 */
export async function backupPossible({ sql, settings, target }: StepContext): Promise<boolean> {
  if (settings.options.skipBackup) return false;
  const [v] = await sql<{ major: number }[]>`select (current_setting('server_version_num')::int / 10000) as major`;
  const dumpMajor = await pgDumpMajor();
  if (compatible(dumpMajor, v!.major) && target) {
    await prepareWritableDir(backupDir(settings), 'backup directory');
    return true;
  }
  throw new CortexError('REFUSED', `no pg_dump compatible with PostgreSQL ${v!.major} is installed (found ${dumpMajor ?? 'none'}); install one or pass --skip-backup`);
}

/**
 * Dump `schemas` into --backup-dir, record the file as this attempt's backup and delete the file
 * of an earlier attempt it replaces. Returns the file's absolute path.
 */
export async function takeBackup({ sql, settings, target, log }: StepContext, schemas: string[]): Promise<string> {
  const dir = resolve(backupDir(settings));
  log(`backing up ${schemas.join(', ')} with pg_dump into ${dir}`);
  const file = await dumpSchemas(target!, schemas, dir, stopped);
  // Recorded before the old file goes: the ledger never points at a file that is not there.
  const replaced = await sql<{ path: string }[]>`
    with gone as (delete from cortex_migration.archive_backup where path <> ${file} returning path),
         added as (insert into cortex_migration.archive_backup (path) values (${file}) on conflict do nothing)
    select path from gone`;
  for (const r of replaced) await rm(r.path, { force: true });
  const earlier = replaced.length > 0 ? ` (replaces ${replaced.map((r) => r.path).join(', ')}, an earlier attempt's, now deleted)` : '';
  log(`backup written to ${file}${earlier}`);
  return file;
}
