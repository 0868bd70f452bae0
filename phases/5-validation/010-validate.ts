// Phase 5: the gate before archive. Up changes nothing; the phase's verify (also `cortex validate`)
// runs every parity check inside one repeatable-read snapshot (the runner's verify transaction),
// shared with a second connection so the tables are checked two at a time.
import { isConnectionFailure, type Sql } from '../../src/db/client.js';
import { type MappedTable, mappedTables } from '../../src/db/mapped-tables.js';
import { triggersOnMappedTables } from '../../src/db/triggers.js';
import { isCortexError } from '../../src/errors.js';
import { describeStatements } from '../../src/plan/locks.js';
import type { Check, StepContext, StepDescription, StepOutcome } from '../../src/plan/model.js';
import { DUAL_WRITE_TRIGGERS } from '../../src/names.js';
import { throwIfStopped } from '../../src/runner/interrupt.js';
import { bijectionCheck, parityChecks, referenceChecks } from '../../src/verify/parity.js';
import { targetRowChecks } from '../../src/verify/target-rows.js';
import { withSnapshotTwin } from '../../src/verify/snapshot-pair.js';

/** Nothing to apply: validation reads only. */
export async function up(): Promise<StepOutcome> {
  return { rows: 0 };
}

/** Nothing to revert. */
export async function down(): Promise<void> {}

/** Up writes nothing; the checks (verify, `cortex validate`) only read, in one repeatable-read snapshot. */
export function describe(): StepDescription {
  return describeStatements([
    '-- nothing to apply; verify (and `cortex validate`) reads, in one repeatable-read snapshot:',
    '-- per mapped table cortex_migration.parity_buckets(m, buckets) and, for a differing bucket, cortex_migration.parity_rows(m, …);',
    '-- references resolve, the mapping is a bijection, cortex_migration.writable_quarantine() (tried in a subtransaction that is undone),',
    '-- cortex_migration.whatsapp_fingerprint(), and the dual-write triggers',
  ]);
}

// Two lists of about equal rows, biggest tables first (each list runs on one connection).
function split(tables: MappedTable[]): [MappedTable[], MappedTable[]] {
  const lists: [MappedTable[], MappedTable[]] = [[], []];
  const load = [0, 0];
  for (const t of [...tables].sort((a, b) => b.estimated_rows - a.estimated_rows)) {
    const i = load[0]! <= load[1]! ? 0 : 1;
    lists[i].push(t);
    load[i]! += t.estimated_rows + 1;
  }
  return lists;
}

async function fingerprint(sql: Sql): Promise<Check[]> {
  const fp = await sql<{ id: string; ok: boolean; expected: string; actual: string }[]>`
    select 'whatsapp-unchanged' as id, f.ddl_hash = n.ddl_hash and f.data_hash = n.data_hash as ok,
           f.ddl_hash || '/' || f.data_hash as expected, n.ddl_hash || '/' || n.data_hash as actual
    from cortex_migration.whatsapp_fingerprint f, cortex_migration.whatsapp_fingerprint() n`;
  return fp.map((r) => ({ id: r.id, status: r.ok ? ('passed' as const) : ('failed' as const), expected: r.expected, actual: r.actual }));
}

// A quarantined row that a retry would write now belongs in the target: dual-write missed its
// retry (written concurrently with the row it waited for, or refused for a reason its transform
// does not foresee). Tried in a subtransaction that is undone; a row still refused is accounted for.
async function quarantineCheck(sql: Sql): Promise<Check> {
  const rows = await sql<{ old_schema: string | null; old_table: string | null; old_id: string | null; reason: string }[]>`
    select * from cortex_migration.writable_quarantine()`;
  const unknown = rows.find((r) => r.old_id === null);
  if (unknown) return { id: 'quarantine-not-writable', status: 'failed', expected: 0, actual: 'unknown', details: `${unknown.reason}; run validate again` };
  const byTable = new Map<string, { keys: string[]; reason: string }>();
  for (const r of rows) {
    const t = byTable.get(`${r.old_schema}.${r.old_table}`) ?? { keys: [], reason: r.reason };
    t.keys.push(r.old_id!);
    byTable.set(`${r.old_schema}.${r.old_table}`, t);
  }
  const named = [...byTable].map(([t, { keys, reason }]) =>
    `${t} ${keys.slice(0, 20).join(', ')}${keys.length > 20 ? ` and ${keys.length - 20} more` : ''} (e.g. ${reason})`);
  return {
    id: 'quarantine-not-writable',
    status: rows.length === 0 ? 'passed' : 'failed',
    expected: 0,
    actual: rows.length,
    ...(rows.length > 0 ? {
      details: `quarantined rows a retry would write now: ${named.join('; ')}; retry them: select * from cortex_migration.retry_good_now(), or roll back and reapply phase 4`,
    } : {}),
  };
}

/** Every phase-5 check of DESIGN §3. */
export async function verify({ sql, log, target }: StepContext): Promise<Check[]> {
  const tables = await mappedTables(sql);
  const parity = new Map<string, Check[]>();
  const run = async (db: Sql, list: MappedTable[]) => {
    for (const m of list) {
      throwIfStopped();
      parity.set(`${m.old_schema}.${m.old_table}`, await parityChecks(db, m));
      log(`validated ${m.old_schema}.${m.old_table}`);
    }
  };
  let whatsapp: Check[] | undefined;
  if (target) {
    const [mine, twins] = split(tables);
    const twin = withSnapshotTwin(sql, target, async (other) => {
      await run(other, twins);
      return fingerprint(other);
    }).catch((err: unknown) => {
      // No second connection to be had (connection limit, pooler): the rest runs on this one below.
      if (!(isCortexError(err) && err.code === 'CONNECTION') && !isConnectionFailure(err)) throw err;
      log(`second connection unavailable (${(err as Error).message.split('\n')[0]}); validating on one connection`);
      return undefined;
    });
    // Both settle before either's error is thrown: a run that fails (a cancel, Ctrl-C) must not
    // leave the twin checking tables on its own connection while the caller cleans up.
    const [own, other] = await Promise.allSettled([run(sql, mine), twin]);
    if (own.status === 'rejected') throw own.reason;
    if (other.status === 'rejected') throw other.reason;
    whatsapp = other.value;
  }
  if (!whatsapp) {
    await run(sql, tables.filter((m) => !parity.has(`${m.old_schema}.${m.old_table}`)));
    whatsapp = await fingerprint(sql);
  }
  const checks: Check[] = tables.flatMap((m) => parity.get(`${m.old_schema}.${m.old_table}`) ?? []);
  checks.push(...(await referenceChecks(sql)));
  checks.push(...(await targetRowChecks(sql)));
  checks.push(await bijectionCheck(sql));
  const [q] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.quarantine where coalesce(btrim(reason), '') = ''`;
  checks.push({ id: 'quarantine-has-reasons', status: q!.n === 0 ? 'passed' : 'failed', expected: 0, actual: q!.n });
  checks.push(await quarantineCheck(sql));
  checks.push(...whatsapp);
  checks.push(await triggersOnMappedTables(sql, 'dual-write-triggers', Object.values(DUAL_WRITE_TRIGGERS)));
  return checks;
}
