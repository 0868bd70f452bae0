// Phase 5: the gate before archive. Up changes nothing; the phase's verify (also `cortex validate`)
// runs every parity check inside one repeatable-read snapshot (the runner's verify transaction),
// shared with a second connection so the tables are checked two at a time.
import { isConnectionFailure, type Sql } from '../../src/db/client.js';
import { triggersOnMappedTables } from '../../src/db/triggers.js';
import { isCortexError } from '../../src/errors.js';
import type { Check, StepContext, StepOutcome } from '../../src/plan/model.js';
import { DUAL_WRITE_TRIGGERS } from '../../src/names.js';
import { throwIfStopped } from '../../src/runner/interrupt.js';
import { bijectionCheck, parityChecks, referenceChecks } from '../../src/verify/parity.js';
import { withSnapshotTwin } from '../../src/verify/snapshot-pair.js';

/** Nothing to apply: validation reads only. */
export async function up(): Promise<StepOutcome> {
  return { rows: 0 };
}

/** Nothing to revert. */
export async function down(): Promise<void> {}

type Mapped = { old_schema: string; old_table: string; new_schema: string; new_table: string; rows: number };

async function mapped(sql: Sql) {
  return sql<Mapped[]>`
    select m.old_schema, m.old_table, m.new_schema, m.new_table, greatest(c.reltuples, 0)::float8 as rows
    from cortex_migration.mapped_tables m join pg_class c on c.oid = format('%I.%I', m.old_schema, m.old_table)::regclass
    order by m.position`;
}

// Two lists of about equal rows, biggest tables first (each list runs on one connection).
function split(tables: Mapped[]): [Mapped[], Mapped[]] {
  const lists: [Mapped[], Mapped[]] = [[], []];
  const load = [0, 0];
  for (const t of [...tables].sort((a, b) => b.rows - a.rows)) {
    const i = load[0]! <= load[1]! ? 0 : 1;
    lists[i].push(t);
    load[i]! += t.rows + 1;
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

// A quarantined row waiting for a row that exists now could be in the target: dual-write missed
// its retry (the two were written concurrently). Phase 4's catch-up retries such rows.
async function arrivedCheck(sql: Sql): Promise<Check> {
  const [a] = await sql<{ n: number; example: string | null }[]>`
    select count(*)::int as n, min(old_schema || '.' || old_table || ' ' || old_id || ' waits for ' || awaited_table || ' ' || awaited_key) as example
      from cortex_migration.arrived_rows`;
  return {
    id: 'quarantine-not-waiting',
    status: a!.n === 0 ? 'passed' : 'failed',
    expected: 0,
    actual: a!.n,
    ...(a!.n > 0 ? {
      details: `quarantined rows wait for rows that exist now (e.g. ${a!.example}); retry them: select cortex_migration.retry_arrived(), or roll back and reapply phase 4`,
    } : {}),
  };
}

/** Every phase-5 check of DESIGN §3. */
export async function verify({ sql, log, target }: StepContext): Promise<Check[]> {
  const tables = await mapped(sql);
  const parity = new Map<string, Check[]>();
  const run = async (db: Sql, list: Mapped[]) => {
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
  checks.push(await bijectionCheck(sql));
  const [q] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.quarantine where coalesce(btrim(reason), '') = ''`;
  checks.push({ id: 'quarantine-has-reasons', status: q!.n === 0 ? 'passed' : 'failed', expected: 0, actual: q!.n });
  checks.push(await arrivedCheck(sql));
  checks.push(...whatsapp);
  checks.push(await triggersOnMappedTables(sql, 'dual-write-triggers', Object.values(DUAL_WRITE_TRIGGERS)));
  return checks;
}
