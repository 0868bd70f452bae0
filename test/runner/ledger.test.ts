// The ledger's objects are the engine's: the list the diff leaves out is exactly what
// sql/engine/ledger.sql creates, and a plan's expected state made without them is still clean.
import { describe, expect, it } from 'vitest';
import { diffExpected, isLedgerObject } from '../../src/schema/expected.js';
import { inspect } from '../../src/schema/inspect.js';
import { portable } from '../../src/schema/step-catalog.js';
import { ensureLedger, LEDGER_FUNCTIONS, LEDGER_RELATIONS } from '../../src/runner/ledger.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('ledger');

describe('the ledger', () => {
  it('creates exactly the relations and functions the engine counts as its own', async () => {
    await ensureLedger(db().sql);
    const objects = [...(await inspect(db().sql, ['cortex_migration'])).objects.values()];
    const names = (kinds: string[]) => objects.filter((o) => kinds.includes(o.kind)).map((o) => o.name.replace('cortex_migration.', '')).sort();
    expect(names(['table', 'sequence'])).toEqual([...LEDGER_RELATIONS].sort());
    expect(names(['function'])).toEqual([...LEDGER_FUNCTIONS].sort());
    // Every part of them (columns, keys, indexes, the append-only trigger) is the ledger's too.
    expect(objects.filter((o) => o.kind !== 'extension' && !isLedgerObject(o)).map((o) => `${o.kind} ${o.name}`)).toEqual([]);
  });

  it('is never drift: an expected state that lists none of it compares clean with a database that has it', async () => {
    await ensureLedger(db().sql);
    await db().sql`create table cortex_migration.plan_own (id integer)`;
    const live = await inspect(db().sql, ['cortex_migration', 'public']);
    // An expected state holds objects as the generator writes them: portable (no privileges, no version-sensitive text).
    const present = new Map([...live.objects].filter(([, o]) => !isLedgerObject(o)).map(([k, o]) => [k, portable(o)]));
    expect(present.size).toBeGreaterThan(0);
    expect(diffExpected({ present, absent: new Map() }, live)).toEqual([]);
    // The plan's own object in the same schema is still judged.
    present.delete('table:cortex_migration.plan_own');
    expect(diffExpected({ present, absent: new Map() }, live).map((c) => `${c.op} ${c.name}`)).toContain('+ cortex_migration.plan_own');
  });
});
