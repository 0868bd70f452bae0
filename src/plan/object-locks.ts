// Locks of the statements where one mode on one named table does not say it all: statements that
// name an index (the lock falls on its table too), several tables, or tables they lock without
// naming them (TRUNCATE … CASCADE, DROP TABLE). Levels from the PostgreSQL docs (DROP INDEX,
// REINDEX, ALTER INDEX, TRUNCATE, CREATE VIEW, REFRESH MATERIALIZED VIEW), checked on PG15
// against pg_locks in test/plan/locks.test.ts.
import { IDENT, parametersLock } from './alter-table-locks.js';
import type { LockInfo } from './model.js';

/** A lock before it is tied to its statement. */
export type Lock = Omit<LockInfo, 'statement' | 'statementIndex'>;

const NAME = new RegExp(String.raw`^\s*(?:only\s+)?${IDENT}\s*\*?\s*(,)?`, 'is');

/** The comma-separated names at the start of `text` (`a, only b, c *`). */
function leadingNames(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  for (;;) {
    const m = NAME.exec(rest);
    if (!m) return out;
    out.push(m[1]!);
    rest = rest.slice(m[0].length);
    if (!m[2]) return out;
  }
}

const PLANNER_NOTE = 'the planner opens every index of a table, so ACCESS EXCLUSIVE on one blocks nearly every query on the table';

function dropIndex(m: RegExpExecArray): Lock[] {
  const concurrently = Boolean(m[1]);
  const mode = concurrently ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
  const note = concurrently
    ? 'reads and writes continue; waits for every transaction using the table to end'
    : 'blocks reads and writes of its table until dropped (DROP INDEX CONCURRENTLY does not)';
  return leadingNames(m[2]!).map((target) => ({ mode, target, index: { tableMode: mode }, note }));
}

function reindex(m: RegExpExecArray): Lock[] {
  const [, kind, concurrently, name] = m;
  const k = kind!.toLowerCase();
  if (k === 'index') {
    return [concurrently
      ? { mode: 'SHARE UPDATE EXCLUSIVE', target: name!, index: { tableMode: 'SHARE UPDATE EXCLUSIVE' }, note: 'builds a new copy while reads and writes continue' }
      : { mode: 'ACCESS EXCLUSIVE', target: name!, index: { tableMode: 'SHARE' }, note: `blocks writes to its table while it rebuilds; ${PLANNER_NOTE}` }];
  }
  if (k === 'table') {
    return [concurrently
      ? { mode: 'SHARE UPDATE EXCLUSIVE', target: name!, note: 'rebuilds each index (SHARE UPDATE EXCLUSIVE on each) while reads and writes continue' }
      : { mode: 'SHARE', target: name!, note: `blocks writes while it rebuilds; ACCESS EXCLUSIVE on each index: ${PLANNER_NOTE}` }];
  }
  const mode = concurrently ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE';
  return [{ mode: `${mode} (each table of the ${k}, in turn)`, target: name ?? k, note: 'every table and its indexes are rebuilt, one table at a time' }];
}

function alterIndex(m: RegExpExecArray): Lock[] {
  const [, target, rest] = m;
  const sub = rest!.trim();
  const params = /^(?:set|reset)\s*\((.*)\)\s*$/is.exec(sub);
  if (/^rename\s+to\b/i.test(sub)) return [{ mode: 'SHARE UPDATE EXCLUSIVE', target: target!, index: {} }];
  if (params) return [{ mode: parametersLock(params[1]!), target: target!, index: {}, note: 'takes effect as the index is written; REINDEX applies it to existing pages' }];
  return [{ mode: 'ACCESS EXCLUSIVE', target: target!, index: {}, note: PLANNER_NOTE }];
}

function truncate(m: RegExpExecArray): Lock[] {
  const cascade = /\bcascade\s*$/i.test(m[1]!);
  return leadingNames(m[1]!).map((target) => ({
    mode: 'ACCESS EXCLUSIVE',
    target,
    ...(cascade
      ? {
          note: 'CASCADE: every table with a foreign key to it (and to those, in turn) is truncated too, under ACCESS EXCLUSIVE',
          related: [{ tables: 'referencing-recursive' as const, note: `truncated by CASCADE (a foreign key leads to ${target})` }],
        }
      : {}),
  }));
}

function dropRelations(m: RegExpExecArray): Lock[] {
  const table = /^table$/i.test(m[1]!);
  const cascade = /\bcascade\s*$/i.test(m[2]!);
  return leadingNames(m[2]!).map((target) => {
    if (!table) return { mode: 'ACCESS EXCLUSIVE', target };
    // Dropping a table drops its foreign keys, whose triggers live on the tables they reference;
    // CASCADE also drops the foreign keys of other tables to it.
    const related: NonNullable<Lock['related']> = [{ tables: 'referenced', note: `a foreign key of ${target} to it is dropped` }];
    if (cascade) related.push({ tables: 'referencing', note: `CASCADE drops its foreign key to ${target}` });
    return { mode: 'ACCESS EXCLUSIVE', target, related };
  });
}

/** Statement forms handled here, each with the locks it takes; first match wins. */
export const OBJECT_RULES: Array<[RegExp, (m: RegExpExecArray) => Lock[]]> = [
  [/^drop\s+index\s+(concurrently\s+)?(?:if\s+exists\s+)?(.*)$/is, dropIndex],
  [new RegExp(String.raw`^reindex\s+(?:\([^)]*\)\s*)?(index|table|schema|database|system)\s+(concurrently\s+)?${IDENT}?`, 'is'), reindex],
  [new RegExp(String.raw`^alter\s+index\s+(?:if\s+exists\s+)?(?!all\s+in\s+tablespace\b)${IDENT}\s+(.*)$`, 'is'), alterIndex],
  [/^truncate\s+(?:table\s+)?(.*)$/is, truncate],
  [/^drop\s+(table|view|materialized\s+view|sequence)\s+(?:if\s+exists\s+)?(.*)$/is, dropRelations],
  [new RegExp(String.raw`^create\s+or\s+replace\s+(?:temp(?:orary)?\s+)?(?:recursive\s+)?view\s+${IDENT}`, 'is'), (m) => [{
    mode: 'ACCESS EXCLUSIVE', target: m[1]!, note: 'when the view exists (it is replaced; queries on it wait); a new view takes no lock' }]],
  [new RegExp(String.raw`^alter\s+(?:materialized\s+)?view\s+(?:if\s+exists\s+)?${IDENT}`, 'is'), (m) => [{ mode: 'ACCESS EXCLUSIVE', target: m[1]! }]],
  [new RegExp(String.raw`^refresh\s+materialized\s+view\s+(concurrently\s+)?${IDENT}`, 'is'), (m) => [m[1]
    ? { mode: 'EXCLUSIVE', target: m[2]!, note: 'reads continue; writes wait' }
    : { mode: 'ACCESS EXCLUSIVE', target: m[2]!, note: 'reads wait until the refresh ends (REFRESH … CONCURRENTLY lets them go on)' }]],
];
