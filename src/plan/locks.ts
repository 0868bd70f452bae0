import type { LockInfo, StepDescription } from './model.js';
import { splitStatements, stripComments } from './statements.js';

const IDENT = String.raw`((?:"[^"]+"|[a-z_][a-z0-9_$]*)(?:\.(?:"[^"]+"|[a-z_][a-z0-9_$]*))?)`;

// The heavyweight lock each DDL/DML form takes on the object it names (PostgreSQL docs, "Explicit
// Locking"). First match wins; statements that touch only new objects take no lock worth showing.
const RULES: Array<[RegExp, string]> = [
  [new RegExp(String.raw`^create\s+(?:unique\s+)?index\s+concurrently\b.*?\bon\s+(?:only\s+)?${IDENT}`, 'is'), 'SHARE UPDATE EXCLUSIVE'],
  [new RegExp(String.raw`^create\s+(?:unique\s+)?index\b.*?\bon\s+(?:only\s+)?${IDENT}`, 'is'), 'SHARE'],
  [new RegExp(String.raw`^create\s+(?:or\s+replace\s+)?(?:constraint\s+)?trigger\b.*?\bon\s+${IDENT}`, 'is'), 'SHARE ROW EXCLUSIVE'],
  [new RegExp(String.raw`^drop\s+trigger\s+(?:if\s+exists\s+)?\S+\s+on\s+${IDENT}`, 'is'), 'ACCESS EXCLUSIVE'],
  [new RegExp(String.raw`^alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?${IDENT}\s+(?:enable|disable)\s+trigger`, 'is'), 'SHARE ROW EXCLUSIVE'],
  [new RegExp(String.raw`^alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?${IDENT}\s+validate\s+constraint`, 'is'), 'SHARE UPDATE EXCLUSIVE'],
  [new RegExp(String.raw`^alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?${IDENT}`, 'is'), 'ACCESS EXCLUSIVE'],
  [new RegExp(String.raw`^drop\s+(?:table|view|materialized\s+view|sequence)\s+(?:if\s+exists\s+)?${IDENT}`, 'is'), 'ACCESS EXCLUSIVE'],
  [new RegExp(String.raw`^drop\s+schema\s+(?:if\s+exists\s+)?${IDENT}`, 'is'), 'ACCESS EXCLUSIVE (every object in the schema)'],
  [new RegExp(String.raw`^alter\s+schema\s+${IDENT}\s+rename`, 'is'), 'ACCESS EXCLUSIVE (schema)'],
  [new RegExp(String.raw`^truncate\s+(?:table\s+)?(?:only\s+)?${IDENT}`, 'is'), 'ACCESS EXCLUSIVE'],
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

/** Locks a SQL script takes, statement by statement, by static analysis of each statement's form. */
export function analyzeLocks(script: string): LockInfo[] {
  const out: LockInfo[] = [];
  for (const st of splitStatements(script)) {
    const body = stripComments(st);
    for (const [re, mode] of RULES) {
      const m = re.exec(body);
      if (m) {
        const taken = mode === 'as written' ? (m[2] ?? 'access exclusive').toUpperCase() : mode;
        if (!mode.startsWith('none')) out.push({ mode: taken, target: m[1] ?? '?', statement: headline(st) });
        break;
      }
    }
  }
  return out;
}

/** A step's description from the statements it runs: each statement and the locks they take. */
export function describeStatements(statements: string[]): StepDescription {
  return { statements, locks: analyzeLocks(statements.map((s) => `${s};`).join('\n')) };
}
