// The locks of one ALTER TABLE, subcommand by subcommand (PostgreSQL docs, "ALTER TABLE": "an
// ACCESS EXCLUSIVE lock is acquired unless explicitly noted. When multiple subcommands are given,
// the lock acquired will be the strictest one required by any subcommand"). Checked on PG15 with
// pg_locks: ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE on both tables; ADD COLUMN … REFERENCES
// takes ACCESS EXCLUSIVE on the table and SHARE ROW EXCLUSIVE on the referenced one; VALIDATE
// CONSTRAINT takes SHARE UPDATE EXCLUSIVE (and ROW SHARE on the referenced table of a foreign key).
import type { LockInfo } from './model.js';

/** A table name as written: plain or quoted, optionally schema-qualified. */
export const IDENT = String.raw`((?:"[^"]+"|[a-z_][a-z0-9_$]*)(?:\.(?:"[^"]+"|[a-z_][a-z0-9_$]*))?)`;

/** Table-level lock modes, weakest first ("Explicit Locking", table 13.2). */
export const LOCK_ORDER = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;

type Mode = (typeof LOCK_ORDER)[number];

const stronger = (a: Mode, b: Mode): Mode => (LOCK_ORDER.indexOf(a) >= LOCK_ORDER.indexOf(b) ? a : b);

/** The head of an ALTER TABLE: the table it names, and the text of its subcommands. */
export const ALTER_TABLE_RE = new RegExp(String.raw`^alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?${IDENT}\s*\*?\s+(.*)$`, 'is');

// Split on commas outside parentheses, quotes and comments; comments are dropped.
function splitSubcommands(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '-' && text[i + 1] === '-') {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol;
      cur += ' ';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      cur += ' ';
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
      cur += text.slice(i, j + 1);
      i = j;
    } else if (c === '(' || c === ')') {
      depth += c === '(' ? 1 : -1;
      cur += c;
    } else if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

// Storage parameters that ALTER TABLE/INDEX SET (…) changes under SHARE UPDATE EXCLUSIVE
// ("ALTER TABLE": fillfactor, toast and autovacuum parameters, parallel_workers; pg_locks on PG15
// for the others). Any other parameter is taken to need ACCESS EXCLUSIVE (e.g. user_catalog_table,
// a view's security_barrier, GIN's fastupdate): overstating a lock is safer than hiding one.
const LIGHT_PARAMETERS = /^(?:fillfactor|toast_tuple_target|parallel_workers|(?:toast\.)?autovacuum_\w+|(?:toast\.)?vacuum_\w+|(?:toast\.)?log_autovacuum_min_duration|deduplicate_items|autosummarize|n_distinct(?:_inherited)?)$/i;

/** Lock of SET (…) / RESET (…) by the parameters it names. */
export function parametersLock(list: string): 'SHARE UPDATE EXCLUSIVE' | 'ACCESS EXCLUSIVE' {
  const names = list.split(',').map((p) => p.split('=')[0]!.trim().replace(/"/g, ''));
  return names.every((n) => LIGHT_PARAMETERS.test(n)) ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
}

/** The note of VALIDATE CONSTRAINT when the constraint's kind is unknown: true of a CHECK and of a foreign key. */
export const VALIDATE_NOTE = 'scans the table while reads and writes continue (if the constraint is a foreign key, the table it references also takes ROW SHARE, which lets its writes continue)';

interface SubLock {
  mode: Mode;
  note?: string;
  /** Tables a new foreign key references: SHARE ROW EXCLUSIVE on each. */
  references: string[];
  /** VALIDATE CONSTRAINT: the constraint's name. */
  validates?: string;
}

const CONSTRAINT = String.raw`^add\s+(?:constraint\s+(?:"[^"]+"|\S+)\s+)?`;
const FOREIGN_KEY = new RegExp(String.raw`${CONSTRAINT}foreign\s+key\b.*?\breferences\s+${IDENT}`, 'is');
const OTHER_CONSTRAINT = new RegExp(String.raw`${CONSTRAINT}(?:check|unique|primary\s+key|exclude)\b`, 'is');
const REFERENCES = new RegExp(String.raw`\breferences\s+${IDENT}`, 'gis');
/** Tables a statement's REFERENCES clauses name (the parents of the foreign keys it creates). */
export function referencedTables(body: string): string[] {
  return [...new Set([...body.matchAll(REFERENCES)].map((m) => m[1]!))];
}

const COLUMN = String.raw`^alter\s+(?:column\s+)?(?:"[^"]+"|\S+)\s+`;

function subcommandLock(sub: string): SubLock {
  const fk = FOREIGN_KEY.exec(sub);
  if (fk) {
    const notValid = /\bnot\s+valid\s*$/i.test(sub);
    return {
      mode: 'SHARE ROW EXCLUSIVE',
      references: [fk[1]!],
      note: notValid
        ? 'NOT VALID: existing rows are not checked now; VALIDATE CONSTRAINT checks them later under SHARE UPDATE EXCLUSIVE'
        : 'checks every existing row while the lock blocks writes (add it NOT VALID, then VALIDATE CONSTRAINT, to keep writes going)',
    };
  }
  if (/^add\b/i.test(sub) && !OTHER_CONSTRAINT.test(sub)) {
    // ADD [COLUMN] … [REFERENCES t2]: the column itself needs ACCESS EXCLUSIVE.
    const refs = referencedTables(sub);
    return { mode: 'ACCESS EXCLUSIVE', references: refs, ...(refs.length ? { note: `new column references ${refs.join(', ')}` } : {}) };
  }
  const validate = /^validate\s+constraint\s+("[^"]+"|\S+)/i.exec(sub);
  if (validate) {
    // The statement does not say whether the constraint is a foreign key or a CHECK: the note is
    // true of both, and `plan` asks the database which it is (resolve-locks.ts).
    return {
      mode: 'SHARE UPDATE EXCLUSIVE',
      references: [],
      validates: validate[1]!,
      note: VALIDATE_NOTE,
    };
  }
  if (new RegExp(`${COLUMN}set\\s+not\\s+null\\b`, 'i').test(sub)) {
    return {
      mode: 'ACCESS EXCLUSIVE',
      references: [],
      note: 'scans the whole table under the lock, unless a validated CHECK (col IS NOT NULL) already proves it',
    };
  }
  if (/^(?:enable|disable)\s+(?:(?:always|replica)\s+)?trigger\b/i.test(sub)) return { mode: 'SHARE ROW EXCLUSIVE', references: [] };
  // SET (…) of the table itself: by the parameters it names ("ALTER TABLE", SET storage_parameter).
  const params = /^(?:set|reset)\s*\((.*)\)\s*$/is.exec(sub);
  if (params) return { mode: parametersLock(params[1]!), references: [] };
  if (new RegExp(`${COLUMN}(?:set\\s+statistics\\b|set\\s*\\(|reset\\s*\\()`, 'i').test(sub) || /^(?:cluster\s+on|set\s+without\s+cluster)\b/i.test(sub)) {
    return { mode: 'SHARE UPDATE EXCLUSIVE', references: [] };
  }
  return { mode: 'ACCESS EXCLUSIVE', references: [] };
}

/**
 * Locks of one ALTER TABLE statement: the strictest mode of its subcommands on the table, and
 * SHARE ROW EXCLUSIVE on every table a new foreign key references; undefined when it is not one.
 */
export function alterTableLocks(body: string, statement: string): LockInfo[] | undefined {
  const m = ALTER_TABLE_RE.exec(body);
  if (!m) return undefined;
  const table = m[1]!;
  const subs = splitSubcommands(m[2]!).map(subcommandLock);
  if (subs.length === 0) return undefined;
  const mode = subs.map((s) => s.mode).reduce(stronger);
  const notes = [...new Set(subs.flatMap((s) => (s.note ? [s.note] : [])))];
  const validated = subs.flatMap((s) => (s.validates ? [s.validates] : []));
  const out: LockInfo[] = [{
    mode,
    target: table,
    statement,
    ...(notes.length ? { note: notes.join('; ') } : {}),
    ...(validated.length === 1 ? { constraint: validated[0]! } : {}),
  }];
  for (const ref of [...new Set(subs.flatMap((s) => s.references))]) {
    if (ref === table) continue; // a self-reference: the table's own lock is already at least as strong
    out.push({ mode: 'SHARE ROW EXCLUSIVE', target: ref, statement, note: `referenced by a new foreign key of ${table}` });
  }
  return out;
}
