// Archive the legacy schemas: on every attempt, first a passing validation, every mapped table
// dual-writing (a table left logging is put back and its log replayed), a backup; then ONE short
// transaction that locks every mapped table, stops legacy → target sync (the change-log triggers
// take over from dual-write) and renames crm app calendar finance actions to <name>_deprecated.
// An attempt stopped anywhere before that commit leaves dual-write everywhere, so a legacy write
// made before a rerun is in the target; one stopped after it is found done. whatsapp is never touched.
import type { Sql } from '../../src/db/client.js';
import { shortDdl } from '../../src/db/ddl.js';
import { drainReverseLog } from '../../src/db/reverse-log.js';
import { lockExclusive, TableLockTimeout } from '../../src/db/lock-holders.js';
import { statementTriggerSql, swapStatementTriggers } from '../../src/db/triggers.js';
import { ident, literal, qualified } from '../../src/generate/sql.js';
import { describeStatements } from '../../src/plan/locks.js';
import { CortexError } from '../../src/errors.js';
import type { Check, StepContext, StepDescription, StepOutcome } from '../../src/plan/model.js';
import { throwIfStopped } from '../../src/runner/interrupt.js';
import { CHANGE_LOG_TRIGGERS, changeLogFunction, deprecatedSchema, DUAL_WRITE_TRIGGERS, dualWriteFunction } from '../../src/names.js';
import { TABLES } from '../tables/index.js';
import { backupPossible, takeBackup } from './archive-backup.js';
import { mappedTables } from '../../src/db/mapped-tables.js';
import { assertValidated, type MappedTable, notDualWritten, putDualWriteBack, validationCheck } from './archive-gate.js';

/** The backup and the replays run outside a transaction; the switch and renames take one of their own. */
export const transactional = false;

/** The legacy schemas archived, in this order (whatsapp stays as it is). */
export const ARCHIVED = ['crm', 'app', 'calendar', 'finance', 'actions'] as const;

// Rows in the archive log; 0 before the phase's first step has created it (a check runs first).
async function archivedCount(sql: Sql): Promise<number> {
  const [log] = await sql<{ exists: boolean }[]>`select to_regclass('cortex_migration.archive') is not null as exists`;
  if (!log!.exists) return 0;
  const [r] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.archive`;
  return r!.n;
}

/**
 * The switch and the renames, all or nothing, with lock_timeout per table and retries: each retry
 * prints the table it waited for and the sessions holding it, and so does the final error.
 */
async function archiveAtOnce(ctx: StepContext, tables: MappedTable[], backup: string | null, retainDays: number): Promise<void> {
  const { sql, settings, log } = ctx;
  try {
    await shortDdl(sql, settings, async (tx) => {
      throwIfStopped();
      // Every lock first, in dependency order: from here until COMMIT no legacy write can slip in.
      for (const t of tables) await lockExclusive(tx, t.old_schema, t.old_table);
      const off = await notDualWritten(tx);
      if (off.length > 0) {
        throw new CortexError('REFUSED', `${off.map((t) => `${t.old_schema}.${t.old_table}`).join(', ')} stopped dual-writing while the archive was prepared; run \`cortex migrate phase 6\` again`);
      }
      for (const t of tables) {
        await tx`update cortex_migration.capture set mode = 'log', changed_at = clock_timestamp()
                 where old_schema = ${t.old_schema} and old_table = ${t.old_table}`;
        await swapStatementTriggers(tx, t.old_schema, t.old_table, CHANGE_LOG_TRIGGERS, changeLogFunction(t.old_schema, t.old_table), DUAL_WRITE_TRIGGERS);
      }
      for (const s of ARCHIVED) {
        await tx`alter schema ${tx(s)} rename to ${tx(deprecatedSchema(s))}`;
        await tx`insert into cortex_migration.archive (schema_name, archived_as, retain_until, backup_path, backup_skipped)
                 values (${s}, ${deprecatedSchema(s)}, clock_timestamp() + make_interval(days => ${retainDays}), ${backup}, ${backup === null})`;
      }
    }, (attempt, delayMs, err) => log(`${err instanceof Error ? err.message : String(err)}; retry ${attempt}/${settings.lockRetries} in ${delayMs} ms`));
  } catch (err) {
    if (!(err instanceof TableLockTimeout)) throw err;
    const kept = backup ? `; the backup of this attempt is complete: ${backup}` : '';
    throw new CortexError('STEP_FAILED', `${err.message}; gave up after ${settings.lockRetries + 1} attempts of ${settings.lockTimeoutMs} ms, nothing is archived and dual-write is still on${kept}`);
  }
}

/** What an attempt runs: the backup, then the one transaction that switches and renames. */
export function describe(direction: 'up' | 'down'): StepDescription {
  const each = (f: (schema: string, table: string) => string[]) => TABLES.flatMap(({ legacy: { schema, table } }) => f(schema, table));
  if (direction === 'down') {
    return describeStatements([
      ...ARCHIVED.map((s) => `alter schema ${ident(deprecatedSchema(s))} rename to ${ident(s)}`),
      'delete from cortex_migration.archive',
      ...each((schema, table) => statementTriggerSql(schema, table, DUAL_WRITE_TRIGGERS, dualWriteFunction(schema, table), CHANGE_LOG_TRIGGERS)),
      '-- then, per table: capture back to sync, and its change log replayed into the target',
    ]);
  }
  return describeStatements([
    `-- pg_dump --format=custom --schema=${ARCHIVED.join(' --schema=')} (unless --skip-backup), then in one transaction:`,
    ...each((schema, table) => [`lock table ${qualified([schema, table])} in access exclusive mode`]),
    ...each((schema, table) => [
      `update cortex_migration.capture set mode = 'log' where old_schema = ${literal(schema)} and old_table = ${literal(table)}`,
      ...statementTriggerSql(schema, table, CHANGE_LOG_TRIGGERS, changeLogFunction(schema, table), DUAL_WRITE_TRIGGERS),
    ]),
    ...ARCHIVED.map((s) => `alter schema ${ident(s)} rename to ${ident(deprecatedSchema(s))}`),
  ]);
}

/**
 * Refused (exit 6) unless the latest validation passed and nothing changed since, and a backup
 * can be taken (or --skip-backup was given); an archive an earlier attempt committed needs nothing.
 */
export async function check(ctx: StepContext, direction: 'up' | 'down'): Promise<void> {
  if (direction !== 'up' || (await archivedCount(ctx.sql)) > 0) return;
  await assertValidated(ctx.sql);
  await backupPossible(ctx);
}

/** Validation, dual-write everywhere, backup (or explicit --skip-backup), then switch and rename at once. */
export async function up(ctx: StepContext): Promise<StepOutcome> {
  const { sql, settings, log } = ctx;
  const retainDays = settings.options.retainDays ?? 30;
  // The commit of an earlier attempt that died before the ledger recorded it.
  if ((await archivedCount(sql)) > 0) {
    log(`already archived: ${ARCHIVED.map(deprecatedSchema).join(', ')} (an earlier attempt committed it)`);
    return { rows: ARCHIVED.length };
  }
  await assertValidated(sql);
  const dump = await backupPossible(ctx);
  // Target writes deferred while their legacy row was busy: in the legacy tables before the backup.
  const deferred = await drainReverseLog(sql, Math.max(settings.lockRetries, 10));
  if (deferred > 0) log(`${deferred} deferred target writes applied to the legacy tables`);
  const tables = await mappedTables(sql);
  for (const t of await notDualWritten(sql)) {
    throwIfStopped();
    const n = await putDualWriteBack(ctx, t);
    log(`${t.old_schema}.${t.old_table}: dual-write put back, ${n} logged key${n === 1 ? '' : 's'} replayed`);
  }
  throwIfStopped();
  const backup = dump ? await takeBackup(ctx, [...ARCHIVED]) : null;
  if (!dump) log('backup skipped (--skip-backup)');
  log(`archiving: stopping legacy → target sync on ${tables.length} tables and renaming ${ARCHIVED.join(', ')} in one transaction`);
  try {
    await archiveAtOnce(ctx, tables, backup, retainDays);
  } catch (err) {
    if (backup && !(err instanceof CortexError && err.code === 'STEP_FAILED')) log(`the backup of this attempt is complete: ${backup} (the next attempt replaces it)`);
    throw err;
  }
  log(`archived ${ARCHIVED.join(', ')} for ${retainDays} days`);
  return { rows: ARCHIVED.length };
}

/** Rename back, reinstall dual-write, replay anything logged meanwhile. */
export async function down(ctx: StepContext): Promise<void> {
  const { sql, settings } = ctx;
  await drainReverseLog(sql, Math.max(settings.lockRetries, 10));
  await shortDdl(sql, settings, async (tx) => {
    const rows = await tx<{ schema_name: string; archived_as: string }[]>`select schema_name, archived_as from cortex_migration.archive`;
    for (const r of rows) await tx`alter schema ${tx(r.archived_as)} rename to ${tx(r.schema_name)}`;
    await tx`delete from cortex_migration.archive`;
  });
  for (const t of await mappedTables(sql)) await putDualWriteBack(ctx, t);
}

/** Validated before, schemas renamed, no legacy write left unsynced before the archive, backup present or its skip recorded. */
export async function verify({ sql }: StepContext): Promise<Check[]> {
  const rows = await sql<{ schema_name: string; archived_as: string; old_exists: boolean; new_exists: boolean; backup_path: string | null; backup_skipped: boolean; retain_until: Date }[]>`
    select a.*, to_regnamespace(a.schema_name) is not null as old_exists, to_regnamespace(a.archived_as) is not null as new_exists
    from cortex_migration.archive a order by 1`;
  const bad = rows.filter((r) => r.old_exists || !r.new_exists).map((r) => r.schema_name);
  // Writes logged after the archive went to the deprecated tables; one logged before never reached the target.
  const [unsynced] = await sql<{ n: number }[]>`
    select coalesce(sum(cardinality(old_ids)), 0)::int as n from cortex_migration.change_log
    where logged_at < (select min(archived_at) from cortex_migration.archive)`;
  return [
    await validationCheck(sql),
    {
      id: 'schemas-archived',
      status: rows.length === ARCHIVED.length && bad.length === 0 ? 'passed' : 'failed',
      expected: ARCHIVED.map(deprecatedSchema).join(', '),
      actual: rows.filter((r) => r.new_exists).map((r) => r.archived_as).join(', '),
      ...(rows[0] ? { details: `retained until ${new Date(rows[0].retain_until).toISOString()}` } : {}),
    },
    {
      id: 'legacy-writes-synced',
      status: unsynced!.n === 0 ? 'passed' : 'failed',
      expected: 0,
      actual: unsynced!.n,
      details: 'legacy keys logged before the archive, never written to the target',
    },
    {
      id: 'backup',
      status: rows.every((r) => r.backup_path) ? 'passed' : 'warning',
      expected: 'a pg_dump file',
      actual: rows[0]?.backup_path ?? (rows[0]?.backup_skipped ? 'skipped (--skip-backup)' : 'none'),
    },
  ];
}
