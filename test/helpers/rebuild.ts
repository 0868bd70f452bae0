// Rebuild the whole target from the legacy tables inside a transaction, and compare target states:
// the reference the dual-write paths are checked against.
import { FILLED_TABLES } from '../../phases/3-backfill/backfill-tables.js';
import type { Sql } from '../../src/db/client.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { dataHashes } from '../../src/schema/data-hash.js';
import { runCli } from './cli.js';
import type { TestDatabase } from './db.js';

/** md5 of no rows. */
export const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
/** Every schema of the target. */
export const TARGET_SCHEMAS = ['cortex_foundation', 'cortex_entities', 'cortex_projects', 'cortex_finance', 'cortex_scheduling', 'cortex_knowledge', 'cortex_communication'];

// Each rebuild starts from an empty target and quarantine. The set path syncs each table's keys in
// one call, as the backfill does; rows that failed (a child written before its parent) are retried
// once everything else is in, as the backfill retries them.
/** Empty the target and the quarantine. */
export const EMPTY = `truncate ${FILLED_TABLES.join(', ')} cascade; delete from cortex_migration.quarantine`;

/** Rebuild the target with the set path, table by table. */
export const BY_SET = `
do $$
declare
  m cortex_migration.mapped_tables;
  keys text[];
  q record;
begin
  for m in select * from cortex_migration.mapped_tables order by position loop
    execute format('select array_agg(%s order by 1) from %I.%I s', cortex_migration.key_expression(m.key_columns, 's'), m.old_schema, m.old_table) into keys;
    perform cortex_migration.sync_safely(m.old_schema, m.old_table, coalesce(keys, '{}'));
  end loop;
  for q in select old_schema, old_table, array_agg(old_id) as ids from cortex_migration.quarantine
            where code = 'refused' group by 1, 2 loop
    perform cortex_migration.sync_safely(q.old_schema, q.old_table, q.ids);
  end loop;
end $$`;

/** What a rebuild is compared by. */
export type State = { hashes: Record<string, string>; quarantine: string[] };

/** Target data hashes and quarantined keys with their codes, awaited rows and reasons. */
export async function targetState(tx: Sql): Promise<State> {
  return {
    hashes: Object.fromEntries(await dataHashes(tx, TARGET_SCHEMAS)),
    quarantine: (await tx<{ k: string }[]>`
      select old_schema || '.' || old_table || ':' || old_id || ' ' || code || coalesce(' ' || awaited_table || ' ' || awaited_key, '')
             || ' ' || reason as k
        from cortex_migration.quarantine order by 1`).map((r) => r.k),
  };
}

/** The target's state after a rebuild from the legacy rows as they are now; the live state is kept. */
export async function rebuilt(tx: Sql): Promise<State> {
  await tx.unsafe('savepoint before_rebuild');
  await tx.unsafe(EMPTY);
  await tx.unsafe(BY_SET);
  const state = await targetState(tx);
  await tx.unsafe('rollback to savepoint before_rebuild');
  return state;
}

/** Run `fn` in one transaction (so now() defaults agree throughout), then roll it back. */
export async function rolledBack(sql: Sql, fn: (tx: Sql) => Promise<void>): Promise<void> {
  await sql
    .begin(async (tx) => {
      await fn(tx as unknown as Sql);
      throw new Error('rollback');
    })
    .catch((err: Error) => {
      if (err.message !== 'rollback') throw err;
    });
}

/** Load a small dirty fixture (quarantined rows included) and apply phases 1–4 with the CLI. */
export async function dualWriteDatabase(db: TestDatabase, seed: number): Promise<void> {
  await loadLegacyFixture(db.sql, { scale: 0.05, seed, dirty: true, replace: false });
  for (const n of [1, 2, 3, 4]) {
    const r = await runCli(['--database-url', db.url, 'migrate', 'phase', String(n)]);
    if (r.code !== 0) throw new Error(`phase ${n} exited ${r.code}: ${r.stderr.slice(-400)}`);
  }
}

/** The settings (`proconfig`) of the generated cortex_migration functions named like `pattern`, and the number of mapped tables. */
export async function generatedSettings(sql: Sql, pattern: string): Promise<{ fns: { name: string; config: string[] | null }[]; mapped: number }> {
  const fns = await sql<{ name: string; config: string[] | null }[]>`
    select p.proname as name, p.proconfig as config from pg_proc p
    where p.pronamespace = 'cortex_migration'::regnamespace and p.proname ~ ${pattern} order by 1`;
  const [m] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.mapped_tables`;
  return { fns: [...fns], mapped: m!.n };
}
