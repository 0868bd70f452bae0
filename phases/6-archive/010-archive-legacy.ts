// Back up the legacy schemas, drop dual-write, rename crm app calendar finance actions to
// <name>_deprecated with a retention date. whatsapp is never touched.
import { compatible, dumpSchemas, pgDumpMajor } from '../../src/db/backup.js';
import type { Sql } from '../../src/db/client.js';
import { drainChangeLog } from '../../src/db/change-log.js';
import { shortDdl } from '../../src/db/ddl.js';
import { installStatementTriggers } from '../../src/db/triggers.js';
import { CortexError } from '../../src/errors.js';
import type { Check, StepContext, StepOutcome } from '../../src/plan/model.js';
import { stopped, throwIfStopped } from '../../src/runner/interrupt.js';
import { CHANGE_LOG_TRIGGERS, changeLogFunction, deprecatedSchema, DUAL_WRITE_TRIGGERS, dualWriteFunction } from '../../src/names.js';

/** Renames and trigger changes each take their own short transaction. */
export const transactional = false;

/** The legacy schemas archived, in this order (whatsapp stays as it is). */
export const ARCHIVED = ['crm', 'app', 'calendar', 'finance', 'actions'] as const;

async function tables(sql: Sql) {
  return sql<{ old_schema: string; old_table: string }[]>`select old_schema, old_table from cortex_migration.mapped_tables order by position`;
}

/** Backup (or explicit --skip-backup), drop dual-write, rename, record retention. */
export async function up({ sql, settings, log, target }: StepContext): Promise<StepOutcome> {
  const retainDays = Number(settings.options.retainDays ?? 30);
  const [v] = await sql<{ major: number }[]>`select (current_setting('server_version_num')::int / 10000) as major`;
  const dumpMajor = await pgDumpMajor();
  let backup: string | null = null;
  if (compatible(dumpMajor, v!.major) && target) {
    backup = await dumpSchemas(target, [...ARCHIVED], String(settings.options.backupDir ?? './backups'), stopped);
    log(`backup written to ${backup}`);
  } else if (!settings.options.skipBackup) {
    throw new CortexError('REFUSED', `no pg_dump compatible with PostgreSQL ${v!.major} is installed (found ${dumpMajor ?? 'none'}); install one or pass --skip-backup`);
  } else {
    log('backup skipped (--skip-backup)');
  }
  for (const t of await tables(sql)) {
    throwIfStopped();
    await sql`update cortex_migration.capture set mode = 'log', changed_at = clock_timestamp()
              where old_schema = ${t.old_schema} and old_table = ${t.old_table}`;
    await installStatementTriggers(sql, settings, t.old_schema, t.old_table, CHANGE_LOG_TRIGGERS,
      changeLogFunction(t.old_schema, t.old_table), undefined, DUAL_WRITE_TRIGGERS);
  }
  await shortDdl(sql, settings, async (tx) => {
    for (const s of ARCHIVED) {
      await tx`alter schema ${tx(s)} rename to ${tx(deprecatedSchema(s))}`;
      await tx`insert into cortex_migration.archive (schema_name, archived_as, retain_until, backup_path, backup_skipped)
               values (${s}, ${deprecatedSchema(s)}, clock_timestamp() + make_interval(days => ${retainDays}), ${backup}, ${backup === null})`;
    }
  });
  log(`archived ${ARCHIVED.join(', ')} for ${retainDays} days`);
  return { rows: ARCHIVED.length };
}

/** Rename back, reinstall dual-write, replay anything logged meanwhile. */
export async function down({ sql, settings, progress }: StepContext): Promise<void> {
  await shortDdl(sql, settings, async (tx) => {
    const rows = await tx<{ schema_name: string; archived_as: string }[]>`select schema_name, archived_as from cortex_migration.archive`;
    for (const r of rows) await tx`alter schema ${tx(r.archived_as)} rename to ${tx(r.schema_name)}`;
    await tx`delete from cortex_migration.archive`;
  });
  for (const t of await tables(sql)) {
    await installStatementTriggers(sql, settings, t.old_schema, t.old_table, DUAL_WRITE_TRIGGERS,
      dualWriteFunction(t.old_schema, t.old_table), undefined, CHANGE_LOG_TRIGGERS);
    await sql`update cortex_migration.capture set mode = 'sync', changed_at = clock_timestamp()
              where old_schema = ${t.old_schema} and old_table = ${t.old_table}`;
    await drainChangeLog(sql, t.old_schema, t.old_table, 10, progress);
  }
}

/** Schemas renamed, backup present or its skip recorded. */
export async function verify({ sql }: StepContext): Promise<Check[]> {
  const rows = await sql<{ schema_name: string; archived_as: string; old_exists: boolean; new_exists: boolean; backup_path: string | null; backup_skipped: boolean; retain_until: Date }[]>`
    select a.*, to_regnamespace(a.schema_name) is not null as old_exists, to_regnamespace(a.archived_as) is not null as new_exists
    from cortex_migration.archive a order by 1`;
  const bad = rows.filter((r) => r.old_exists || !r.new_exists).map((r) => r.schema_name);
  return [
    {
      id: 'schemas-archived',
      status: rows.length === ARCHIVED.length && bad.length === 0 ? 'passed' : 'failed',
      expected: ARCHIVED.map(deprecatedSchema).join(', '),
      actual: rows.filter((r) => r.new_exists).map((r) => r.archived_as).join(', '),
      ...(rows[0] ? { details: `retained until ${new Date(rows[0].retain_until).toISOString()}` } : {}),
    },
    {
      id: 'backup',
      status: rows.every((r) => r.backup_path) ? 'passed' : 'warning',
      expected: 'a pg_dump file',
      actual: rows[0]?.backup_path ?? (rows[0]?.backup_skipped ? 'skipped (--skip-backup)' : 'none'),
    },
  ];
}
