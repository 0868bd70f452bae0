import { alterTableLocks, IDENT, referencedTables } from './alter-table-locks.js';
import type { LockInfo, StepDescription } from './model.js';
import { OBJECT_RULES } from './object-locks.js';
import { splitStatements, stripComments } from './statements.js';

// The heavyweight lock each DDL/DML form takes on the object it names (PostgreSQL docs, "Explicit
// Locking"). First match wins; statements that touch only new objects take no lock worth showing.
const RULES: Array<[RegExp, string]> = [
  [new RegExp(String.raw`^create\s+(?:unique\s+)?index\s+concurrently\b.*?\bon\s+(?:only\s+)?${IDENT}`, 'is'), 'SHARE UPDATE EXCLUSIVE'],
  [new RegExp(String.raw`^create\s+(?:unique\s+)?index\b.*?\bon\s+(?:only\s+)?${IDENT}`, 'is'), 'SHARE'],
  [new RegExp(String.raw`^create\s+(?:or\s+replace\s+)?(?:constraint\s+)?trigger\b.*?\bon\s+${IDENT}`, 'is'), 'SHARE ROW EXCLUSIVE'],
  [new RegExp(String.raw`^drop\s+trigger\s+(?:if\s+exists\s+)?\S+\s+on\s+${IDENT}`, 'is'), 'ACCESS EXCLUSIVE'],
  // ALTER TABLE: see alterTableLocks (each subcommand, the referenced tables of a new foreign key);
  // DROP, TRUNCATE, REINDEX, ALTER INDEX, views: see OBJECT_RULES.
  [new RegExp(String.raw`^drop\s+schema\s+(?:if\s+exists\s+)?${IDENT}`, 'is'), 'ACCESS EXCLUSIVE (every object in the schema)'],
  [new RegExp(String.raw`^alter\s+schema\s+${IDENT}\s+rename`, 'is'), 'ACCESS EXCLUSIVE (schema)'],
  [new RegExp(String.raw`^(?:insert\s+into|update|delete\s+from)\s+(?:only\s+)?${IDENT}`, 'is'), 'ROW EXCLUSIVE'],
  // LOCK names its mode (default ACCESS EXCLUSIVE): `as written` takes it from the statement.
  [new RegExp(String.raw`^lock\s+(?:table\s+)?${IDENT}(?:\s+in\s+([a-z ]+?)\s+mode)?`, 'is'), 'as written'],
  [new RegExp(String.raw`^create\s+(?:table|view|materialized\s+view|sequence|schema|function|or\s+replace\s+(?:view|function))\b\s*(?:if\s+not\s+exists\s+)?${IDENT}`, 'is'), 'none (new object)'],
];

/** First line of a statement, shortened for display. */
export function headline(statement: string): string {
  const line = stripComments(statement).split('\n')[0] ?? '';
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

// Procedural code: what it locks depends on what it runs, which a static reading cannot know; it is
// listed rather than passed over, so `plan` never suggests that such a step takes no lock.
const PROCEDURAL: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [new RegExp(String.raw`^call\s+${IDENT}`, 'is'), (m) => m[1]!],
  [/^do\b/is, () => 'DO block'],
];

const CREATE_TABLE_RE = new RegExp(String.raw`^create\s+(?:(?:global\s+|local\s+)?(?:temporary|temp|unlogged)\s+)?table\s+(?:if\s+not\s+exists\s+)?${IDENT}`, 'is');

/** Mode shown for procedural code (CALL, DO), whose locks cannot be read statically. */
export const PROCEDURAL_MODE = 'UNKNOWN (procedural code)';

/** Locks one statement takes, by static analysis of its form. */
export function statementLocks(st: string): LockInfo[] {
  const body = stripComments(st);
  const statement = headline(st);
  const altered = alterTableLocks(body, statement);
  if (altered) return altered;
  const created = CREATE_TABLE_RE.exec(body);
  if (created) {
    // A new table takes no lock worth showing, but each table its foreign keys reference does.
    return referencedTables(body).filter((r) => r !== created[1])
      .map((ref) => ({ mode: 'SHARE ROW EXCLUSIVE', target: ref, statement, note: `referenced by a foreign key of the new table ${created[1]}` }));
  }
  const code = PROCEDURAL.find(([re]) => re.test(body));
  if (code) {
    return [{ mode: PROCEDURAL_MODE, target: code[1](code[0].exec(body)!), statement, procedural: true,
      note: 'runs procedural code: the locks it takes depend on what it executes and cannot be read statically' }];
  }
  for (const [re, locks] of OBJECT_RULES) {
    const m = re.exec(body);
    if (m) return locks(m).map((l) => ({ ...l, statement }));
  }
  for (const [re, mode] of RULES) {
    const m = re.exec(body);
    if (!m) continue;
    if (mode.startsWith('none')) return [];
    return [{ mode: mode === 'as written' ? (m[2] ?? 'access exclusive').toUpperCase() : mode, target: m[1] ?? '?', statement }];
  }
  return [];
}

/**
 * Locks a SQL script takes, statement by statement: every statement's own locks, each naming
 * the statement (its headline and its index among splitStatements(script)), none merged away.
 */
export function analyzeLocks(script: string): LockInfo[] {
  return splitStatements(script).flatMap((st, i) => statementLocks(st).map((l) => ({ ...l, statementIndex: i })));
}

/** A step's description from the statements it runs: each statement and the locks they take. */
export function describeStatements(statements: string[]): StepDescription {
  return { statements, locks: statements.flatMap((st, i) => statementLocks(st).map((l) => ({ ...l, statementIndex: i }))) };
}
