// What the text of a statement cannot say, asked of the database `plan` reads (read-only): the
// table of an index, the tables a TRUNCATE … CASCADE or DROP TABLE locks without naming them,
// whether a validated constraint is a foreign key, and row estimates. Objects an earlier step
// creates are not there yet: their locks stay as the text gives them.
import type { Sql } from '../db/client.js';
import { VALIDATE_NOTE } from './alter-table-locks.js';
import type { LockInfo } from './model.js';

/** A lock as `plan` shows it. */
export interface PlannedLock extends LockInfo {
  /** The table of an index `target` (`index` locks), when the index exists. */
  table?: string;
  /** pg_class.reltuples of the table locked, when analysed. */
  estimatedRows?: number;
}

type Related = NonNullable<LockInfo['related']>[number]['tables'];

async function relatedTables(sql: Sql, target: string, tables: Related): Promise<string[]> {
  const rows =
    tables === 'referenced'
      ? await sql<{ t: string }[]>`
          select distinct confrelid::regclass::text t from pg_constraint
          where contype = 'f' and conrelid = to_regclass(${target}) and confrelid <> conrelid order by 1`
      : tables === 'referencing'
        ? await sql<{ t: string }[]>`
            select distinct conrelid::regclass::text t from pg_constraint
            where contype = 'f' and confrelid = to_regclass(${target}) and confrelid <> conrelid order by 1`
        : await sql<{ t: string }[]>`
            with recursive r(oid) as (
              select to_regclass(${target})::oid
              union
              select c.conrelid from pg_constraint c join r on c.confrelid = r.oid where c.contype = 'f')
            select oid::regclass::text t from r where oid <> to_regclass(${target})::oid order by 1`;
  return rows.map((r) => r.t);
}

async function estimateRows(sql: Sql, table: string): Promise<number | undefined> {
  const [r] = await sql<{ n: number | null }[]>`
    select case when c.reltuples < 0 then null else c.reltuples::bigint end::float8 as n
    from pg_class c where c.oid = to_regclass(${table}) and c.relkind in ('r', 'p', 'm')`;
  return r?.n ?? undefined;
}

/** A constraint name as written, as pg_constraint stores it. */
const unquote = (name: string) => (name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase());

/** Each lock with what the database tells about it, followed by the locks it implies there. */
export async function resolveLocks(sql: Sql, locks: LockInfo[]): Promise<PlannedLock[]> {
  const out: PlannedLock[] = [];
  const rows = new Map<string, number | undefined>();
  const estimate = async (table: string) => {
    if (!rows.has(table)) rows.set(table, await estimateRows(sql, table));
    return rows.get(table);
  };
  const push = async (l: PlannedLock, table: string) => {
    const n = await estimate(table);
    out.push(n === undefined ? l : { ...l, estimatedRows: n });
  };
  for (const l of locks) {
    if (l.procedural) {
      out.push(l);
      continue;
    }
    if (l.index) {
      const [r] = await sql<{ t: string }[]>`select indrelid::regclass::text t from pg_index where indexrelid = to_regclass(${l.target})`;
      await push(r ? { ...l, table: r.t } : l, r?.t ?? l.target);
      continue;
    }
    const extra: PlannedLock[] = [];
    let lock: PlannedLock = l;
    for (const rel of l.related ?? []) {
      for (const t of await relatedTables(sql, l.target, rel.tables)) {
        extra.push({ mode: l.mode, target: t, statement: l.statement, statementIndex: l.statementIndex, note: rel.note });
      }
    }
    if (l.constraint) {
      // Only the VALIDATE part of the note changes: other subcommands of the statement keep theirs.
      const [c] = await sql<{ contype: string; ref: string | null }[]>`
        select contype, case when contype = 'f' then confrelid::regclass::text end as ref from pg_constraint
        where conrelid = to_regclass(${l.target}) and conname = ${unquote(l.constraint)}`;
      if (c?.contype === 'f' && c.ref) {
        lock = { ...l, note: l.note?.replace(VALIDATE_NOTE, `a foreign key: scans the table while reads and writes continue; ROW SHARE on ${c.ref}`) };
        extra.push({ mode: 'ROW SHARE', target: c.ref, statement: l.statement, statementIndex: l.statementIndex,
          note: `referenced by the foreign key ${l.constraint} being validated (its writes continue)` });
      } else if (c?.contype === 'c') {
        lock = { ...l, note: l.note?.replace(VALIDATE_NOTE, 'a CHECK constraint: scans the table while reads and writes continue') };
      }
    }
    await push(lock, l.target);
    for (const e of extra) await push(e, e.target);
  }
  return out;
}
