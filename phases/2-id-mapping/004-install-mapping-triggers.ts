// Rows inserted after phase 2 get their mapping as they are inserted: a statement-level trigger
// per mapped legacy table (its function generated in step 001), installed one table at a time with
// a short lock_timeout and retries.
import { shortDdl } from '../../src/db/ddl.js';
import { ident, qualified } from '../../src/generate/sql.js';
import { mappingInsert } from '../../src/generate/templates/mapping.js';
import { describeStatements } from '../../src/plan/locks.js';
import type { Check, StepContext, StepDescription, StepOutcome } from '../../src/plan/model.js';
import { MAPPING_TRIGGER, mappingFunction } from '../../src/names.js';
import { TABLES } from '../tables/index.js';
import { mappingChecks } from './mapping-checks.js';

/** Each table is locked (SHARE ROW EXCLUSIVE) only for its own CREATE TRIGGER. */
export const transactional = false;

function createTrigger(schema: string, table: string): string {
  return `create trigger ${ident(MAPPING_TRIGGER)} after insert on ${qualified([schema, table])}
  referencing new table as new_rows for each statement execute function ${qualified(mappingFunction(schema, table))}()`;
}

function dropTrigger(schema: string, table: string): string {
  return `drop trigger if exists ${ident(MAPPING_TRIGGER)} on ${qualified([schema, table])}`;
}

/** Install the triggers, then map rows inserted between step 003 and the trigger (catch-up). */
export async function up({ sql, settings, log }: StepContext): Promise<StepOutcome> {
  for (const t of TABLES) {
    const { schema, table } = t.legacy;
    await shortDdl(sql, settings, async (tx) => {
      await tx.unsafe(dropTrigger(schema, table));
      await tx.unsafe(createTrigger(schema, table));
    }, (a, d) => log(`${schema}.${table}: lock not available, retry ${a} in ${d} ms`));
  }
  let caughtUp = 0;
  for (const t of TABLES) caughtUp += (await sql.unsafe(mappingInsert(t, qualified([t.legacy.schema, t.legacy.table])))).count;
  log(`mapping triggers on ${TABLES.length} tables; ${caughtUp} rows caught up`);
  return { rows: caughtUp };
}

/** Drop the triggers, one table at a time (their functions go with step 001). */
export async function down({ sql, settings }: StepContext): Promise<void> {
  for (const t of TABLES) await shortDdl(sql, settings, (tx) => tx.unsafe(dropTrigger(t.legacy.schema, t.legacy.table)));
}

/** The triggers, one short transaction per table, and the catch-up. */
export function describe(direction: 'up' | 'down'): StepDescription {
  const statements = TABLES.flatMap((t) => direction === 'up'
    ? [dropTrigger(t.legacy.schema, t.legacy.table), createTrigger(t.legacy.schema, t.legacy.table)]
    : [dropTrigger(t.legacy.schema, t.legacy.table)]);
  if (direction === 'up') statements.push(...TABLES.map((t) => mappingInsert(t, qualified([t.legacy.schema, t.legacy.table]))));
  return describeStatements(statements);
}

/** The trigger is present and enabled on every mapped table. */
export async function verify({ sql }: StepContext): Promise<Check[]> {
  return mappingChecks(sql, (id) => id === 'mapping-triggers');
}
