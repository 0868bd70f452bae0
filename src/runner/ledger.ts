import { readFile } from 'node:fs/promises';
import type { Sql } from '../db/client.js';
import { runLockHolder } from '../db/lock.js';
import { inTransaction } from '../db/transaction.js';
import { packagePath } from '../paths.js';
import type { Step } from '../plan/model.js';
import { operator } from './who.js';

/** A step's row in `cortex_migration.steps`. */
export interface LedgerRow {
  step_id: string;
  phase: number;
  status: 'applied' | 'failed';
  checksum: string;
  applied_at: Date | null;
  duration_ms: number | null;
  rows: string | null;
  error: string | null;
  /** The plan the step belongs to; null in a ledger written before plans were recorded. */
  plan: string | null;
}

/**
 * The ledger's own relations (tables and their sequences) and functions in cortex_migration, as
 * sql/engine/ledger.sql creates them: the engine's, present in every plan's database, so never a
 * plan's drift (a test holds this list to the file).
 */
export const LEDGER_RELATIONS: readonly string[] = ['steps', 'events', 'events_id_seq', 'reports', 'reports_id_seq', 'batch_checkpoints', 'batch_control', 'batch_governors'];

/** The ledger's functions, as the catalog names them (`name(arguments)`). */
export const LEDGER_FUNCTIONS: readonly string[] = ['events_append_only()'];

/** Event kinds of the append-only log (`repair`: a changed step's new checksum accepted). */
export type EventDirection = 'up' | 'down' | 'verify' | 'fail' | 'repair';

/** Create the ledger schema and tables if missing (idempotent; serialised by the run lock). */
export async function ensureLedger(sql: Sql): Promise<void> {
  await sql.unsafe(await readFile(packagePath('sql', 'engine', 'ledger.sql'), 'utf8'));
}

/** True when the ledger exists (read-only commands must not create it). */
export async function ledgerExists(sql: Sql): Promise<boolean> {
  const [r] = await sql<{ ok: boolean }[]>`select to_regclass('cortex_migration.steps') is not null as ok`;
  return Boolean(r?.ok);
}

/** Every ledger row, keyed by step id; empty when there is no ledger yet. */
export async function readLedger(sql: Sql): Promise<Map<string, LedgerRow>> {
  if (!(await ledgerExists(sql))) return new Map();
  const rows = await sql<LedgerRow[]>`select * from cortex_migration.steps order by phase, step_id`;
  return new Map(rows.map((r) => [r.step_id, r]));
}

/** Record a successful `up` — call inside the step's own transaction. */
export async function recordUp(sql: Sql, runId: string, step: Step, durationMs: number, rows?: number): Promise<void> {
  await sql`
    insert into cortex_migration.steps (step_id, phase, status, checksum, applied_at, duration_ms, rows, error, updated_at, plan)
    values (${step.id}, ${step.phase}, 'applied', ${step.checksum}, clock_timestamp(), ${durationMs}, ${rows ?? null}, null, clock_timestamp(), ${step.plan})
    on conflict (step_id) do update set status = 'applied', checksum = excluded.checksum, applied_at = excluded.applied_at, plan = excluded.plan,
      duration_ms = excluded.duration_ms, rows = excluded.rows, error = null, updated_at = excluded.updated_at`;
  await appendEvent(sql, runId, step, 'up', durationMs, rows === undefined ? null : { rows });
}

/** Record a successful `down` — call inside the step's own transaction. */
export async function recordDown(sql: Sql, runId: string, step: Step, durationMs: number): Promise<void> {
  await sql`delete from cortex_migration.steps where step_id = ${step.id}`;
  await appendEvent(sql, runId, step, 'down', durationMs, null);
}

/**
 * Mark a non-transactional step as started before it runs, committed on its own: if the process
 * dies mid-step, the ledger shows the step failed (interrupted) rather than pending, so a rollback
 * knows to undo what it may have left. Success or a caught failure overwrites the row.
 */
export async function recordStart(sql: Sql, step: Step): Promise<void> {
  // The run lock holder's pid tells `status` whether this mark belongs to the run in progress.
  const pid = await runLockHolder(sql);
  const message = `interrupted: started ${new Date().toISOString()} (run backend pid ${pid ?? 'unknown'}) and did not finish; it may be partly applied (migrate again to finish it, or roll the phase back)`;
  await sql`
    insert into cortex_migration.steps (step_id, phase, status, checksum, error, updated_at, plan)
    values (${step.id}, ${step.phase}, 'failed', ${step.checksum}, ${message}, clock_timestamp(), ${step.plan})
    on conflict (step_id) do update set error = excluded.error, updated_at = excluded.updated_at,
      status = case when cortex_migration.steps.status = 'applied' then 'applied' else 'failed' end`;
}

/** True when `row` is the mark `recordStart` left for the run whose lock holder is `runPid`. */
export function startedByRun(row: LedgerRow, runPid: number): boolean {
  return row.status === 'failed' && (row.error?.startsWith('interrupted:') ?? false) && row.error!.includes(`(run backend pid ${runPid})`);
}

/** Remove the mark of `recordStart` (the step refused before it changed anything). */
export async function clearStart(sql: Sql, step: Step): Promise<void> {
  await sql`delete from cortex_migration.steps where step_id = ${step.id} and status = 'failed' and error like 'interrupted:%'`;
}

/** What to do about a non-transactional step whose down did not finish (phrased to end a ledger error). */
function partlyRolledBack(step: Step): string {
  return `it may be partly rolled back (rollback phase ${step.phase} again to finish it, or migrate phase ${step.phase} again to re-apply it)`;
}

/**
 * Mark a non-transactional step as failed before its down runs, committed on its own: its down
 * commits as it goes, so a run killed part-way (kill -9, a lost server) leaves a step that is
 * neither applied nor rolled back, and the ledger must not go on saying applied. Success deletes
 * the row; the returned function puts the row back as it was (the down refused before changing
 * anything).
 */
export async function recordDownStart(sql: Sql, step: Step): Promise<() => Promise<void>> {
  const [before] = await sql<Pick<LedgerRow, 'status' | 'error'>[]>`
    select status, error from cortex_migration.steps where step_id = ${step.id}`;
  const pid = await runLockHolder(sql);
  const message = `interrupted: rollback started ${new Date().toISOString()} (run backend pid ${pid ?? 'unknown'}) and did not finish; ${partlyRolledBack(step)}`;
  await sql`update cortex_migration.steps set status = 'failed', error = ${message}, updated_at = clock_timestamp() where step_id = ${step.id}`;
  return async () => {
    if (!before) return;
    await sql`update cortex_migration.steps set status = ${before.status}, error = ${before.error}, updated_at = clock_timestamp()
              where step_id = ${step.id}`;
  };
}

/**
 * Record a failure after the step's transaction rolled back. A failed step stays pending for the
 * plan. A failed down leaves a transactional step applied (its transaction undid the down), and a
 * non-transactional one failed: what it committed before it stopped stays rolled back.
 */
export async function recordFailure(sql: Sql, runId: string, step: Step, direction: 'up' | 'down', message: string): Promise<void> {
  await inTransaction(sql, async (t) => {
    if (direction === 'down' && !step.transactional) {
      const what = message.startsWith('interrupted') ? `rollback ${message}` : `rollback failed: ${message}`;
      await t`update cortex_migration.steps set status = 'failed', error = ${`${what}; ${partlyRolledBack(step)}`},
                updated_at = clock_timestamp() where step_id = ${step.id}`;
    } else if (direction === 'up') {
      await t`
        insert into cortex_migration.steps (step_id, phase, status, checksum, error, updated_at, plan)
        values (${step.id}, ${step.phase}, 'failed', ${step.checksum}, ${message}, clock_timestamp(), ${step.plan})
        on conflict (step_id) do update set error = excluded.error, updated_at = excluded.updated_at,
          status = case when cortex_migration.steps.status = 'applied' then 'applied' else 'failed' end`;
    } else {
      await t`update cortex_migration.steps set error = ${message}, updated_at = clock_timestamp() where step_id = ${step.id}`;
    }
    await appendEvent(t, runId, step, 'fail', null, { direction, error: message });
  });
}

/** Append one event (the log is never updated or deleted), with who recorded it and the step's plan. */
export async function appendEvent(
  sql: Sql,
  runId: string,
  step: (Pick<Step, 'id' | 'phase' | 'checksum'> & { plan?: string }) | { id: null; phase: number; checksum: null },
  direction: EventDirection,
  durationMs: number | null,
  details: Record<string, unknown> | null,
): Promise<void> {
  const who = operator();
  const plan = 'plan' in step ? (step.plan ?? null) : null;
  await sql`
    insert into cortex_migration.events (run_id, step_id, phase, direction, checksum, duration_ms, details, os_user, host, db_user, plan)
    values (${runId}, ${step.id}, ${step.phase}, ${direction}, ${step.checksum}, ${durationMs},
            ${details === null ? null : sql.json(details as never)}, ${who.osUser}, ${who.host}, current_user, ${plan})`;
}
