// Copy every mapped legacy table into the target: keyset chunks claimed by one or more workers,
// keyset batches of one short transaction each, resumable, throttled, with progress and quarantine.
import { backfillOptions } from '../../src/backfill/engine.js';
import { BATCHES_PER_CHUNK, planChunks, rowsDone } from '../../src/backfill/chunks.js';
import { runWorkerPool, workersOf } from '../../src/backfill/worker-pool.js';
import { mappedTables } from '../../src/db/mapped-tables.js';
import { CortexError } from '../../src/errors.js';
import { legacyName } from '../../src/generate/spec.js';
import { literal } from '../../src/generate/sql.js';
import { describeStatements } from '../../src/plan/locks.js';
import { throttledText } from '../../src/verify/writers.js';
import type { Check, StepContext, StepDescription, StepOutcome } from '../../src/plan/model.js';
import { TABLES } from '../tables/index.js';
import { throwIfStopped } from '../../src/runner/interrupt.js';
import { FILLED_TABLES, foreignRows, parityCounts } from './backfill-tables.js';

/** Batches commit one by one; the step itself is not one transaction. */
export const transactional = false;

/**
 * Cut every table into chunks, then copy them with --workers workers of this process (and any
 * `cortex backfill work` that joins), parents first; rows that failed on a missing parent are
 * retried at the end.
 */
export async function up({ sql, settings, log, progress, target }: StepContext): Promise<StepOutcome> {
  const started = Date.now();
  const opts = backfillOptions(settings);
  await planChunks(sql, await mappedTables(sql), opts.batchSize * BATCHES_PER_CHUNK);
  const before = await rowsDone(sql);
  const workers = workersOf(settings.options);
  if (workers > 1) log(`backfill: ${workers} workers`);
  const pool = await runWorkerPool({ sql, ...(target ? { target } : {}), workers, role: 'migrate', settings, opts, log, ...(progress ? { progress } : {}) });
  // Every worker's rows, those of `cortex backfill work` processes too.
  const rows = (await rowsDone(sql)) - before;
  const throttle = pool.governor;
  // A row written before the row it points at (a child before its parent) was quarantined by the
  // write; now that every table is in, give those rows one more try.
  const retry = await sql<{ old_schema: string; old_table: string; ids: string[] }[]>`
    select old_schema, old_table, array_agg(old_id order by old_id) as ids from cortex_migration.quarantine
    where code = 'refused' group by 1, 2`;
  for (const r of retry) {
    await sql`select cortex_migration.sync_safely(${r.old_schema}, ${r.old_table}, ${r.ids}::text[])`;
  }
  const seconds = (Date.now() - started) / 1000;
  log(`backfill: ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / Math.max(seconds, 0.001))} rows/s)${throttle.throttledMs > 0 ? `; ${throttledText({ ms: throttle.throttledMs, byReason: { ...throttle.byReason } })}` : ''}`);
  // Freshly filled tables have no statistics until autovacuum gets to them; dual-write's cached
  // one-row plans are made from these statistics, and bad ones cost ~5x per legacy write.
  const filled = await sql<{ s: string; t: string }[]>`
    select schemaname as s, tablename as t from pg_tables where left(schemaname, 7) = 'cortex_' order by 1, 2`;
  for (const f of filled) {
    throwIfStopped();
    await sql`analyze ${sql(f.s)}.${sql(f.t)}`;
  }
  return { rows, throttled: { ms: throttle.throttledMs, byReason: { ...throttle.byReason } } };
}

/** Per mapped table, parents first: chunks claimed by the workers, keyset batches of --batch-size keys, one short transaction each. */
export function describe(direction: 'up' | 'down'): StepDescription {
  if (direction === 'down') return describeStatements([`truncate ${FILLED_TABLES.join(', ')} cascade`, 'delete from cortex_migration.backfill_checkpoints', 'delete from cortex_migration.backfill_chunks', 'delete from cortex_migration.backfill_workers', 'delete from cortex_migration.quarantine']);
  return describeStatements([
    '-- per worker (--workers, cortex backfill work), per chunk of 4 batches, in one short transaction:\nselect * from cortex_migration.claim_chunk($1 /* the worker */)',
    ...TABLES.map((t) =>
      `-- per batch of ${legacyName(t)}, with its chunk and checkpoint, in one transaction:\nselect cortex_migration.sync_safely(${literal(t.legacy.schema)}, ${literal(t.legacy.table)}, $1 /* the batch's keys */)`),
  ]);
}

/** Rollback is refused while the target holds rows the backfill did not write, unless --force. */
export async function check({ sql, settings }: StepContext, direction: 'up' | 'down'): Promise<void> {
  if (direction !== 'down' || settings.options.force) return;
  const foreign = await foreignRows(sql);
  if (foreign.length > 0) {
    throw new CortexError('REFUSED', `target holds rows the backfill did not write: ${foreign.join(', ')}; pass --force to delete them too`);
  }
}

/** Empty what the backfill filled; refuse when the target holds rows it did not write, unless --force. */
export async function down(ctx: StepContext): Promise<void> {
  const { sql } = ctx;
  await check(ctx, 'down');
  // Checked above: without --force, whatever the cascade reaches holds only backfilled rows.
  await sql.unsafe(`truncate ${FILLED_TABLES.join(', ')} cascade`);
  await sql`delete from cortex_migration.backfill_checkpoints`;
  await sql`delete from cortex_migration.backfill_chunks`;
  await sql`delete from cortex_migration.backfill_workers`;
  await sql`delete from cortex_migration.quarantine`;
}

/**
 * Count parity per table: legacy = target + quarantined. Writes logged since the backfill read a
 * row (replayed by phase 4) may account for a difference; quarantined and pending rows are warnings.
 */
export async function verify({ sql }: StepContext): Promise<Check[]> {
  const checks: Check[] = [];
  for (const c of await parityCounts(sql)) {
    const gap = Math.abs(c.legacy - (c.target + c.quarantined));
    const ok = gap <= c.pending;
    const notes = [`${c.target} in target`, `${c.quarantined} quarantined`];
    if (c.pending > 0) notes.push(`${c.pending} changed keys pending for phase 4`);
    checks.push({
      id: `count-${c.table}`,
      status: !ok ? 'failed' : c.quarantined > 0 || gap > 0 ? 'warning' : 'passed',
      expected: c.legacy,
      actual: c.target + c.quarantined,
      ...(c.quarantined > 0 || gap > 0 ? { details: notes.join(', ') } : {}),
    });
  }
  const [r] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.quarantine where reason is null or reason = ''`;
  checks.push({ id: 'quarantine-has-reasons', status: r!.n === 0 ? 'passed' : 'failed', expected: 0, actual: r!.n });
  return checks;
}
