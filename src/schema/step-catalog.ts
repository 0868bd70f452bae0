import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sql } from '../db/client.js';
import type { Check } from '../plan/model.js';
import { inspect } from './inspect.js';
import { type AttrValue, type CatalogObject, fromSnapshot, objectKey, type Snapshot } from './model.js';

/** File in a SQL step folder listing the catalog objects its up.sql creates (generated, never hand-written). */
export const STEP_CATALOG_FILE = 'catalog.json';

/**
 * Attributes a plan's generated files cannot hold, so not compared: a view's query and a
 * SQL-standard function body are deparsed, and the deparse changes between majors (version-
 * sensitive); privileges and owners name the roles of an installation (a step copying an
 * application's grants gives each database its own, and objects belong to whoever runs the plan).
 */
const NOT_PORTABLE = new Set(['query', 'sql_body', 'privileges', 'owner']);

// Attributes not portable for one kind only: a rule's CREATE RULE holds its deparsed action query.
const NOT_PORTABLE_OF: Partial<Record<string, Set<string>>> = { rule: new Set(['definition']) };

// Kinds not portable at all: default privileges are keyed by the role they apply to.
const NOT_PORTABLE_KINDS = new Set(['default privileges']);

const portableAttr = (kind: string, attr: string) => !NOT_PORTABLE.has(attr) && !NOT_PORTABLE_OF[kind]?.has(attr);

/** Whether an object can be in a plan's generated files at all (default privileges name an installation's roles). */
export function isPortable(o: Pick<CatalogObject, 'kind'>): boolean {
  return !NOT_PORTABLE_KINDS.has(o.kind);
}

/** Load a step's expected catalog, if it has one. */
export function readStepCatalog(dir: string): CatalogObject[] | undefined {
  const file = join(dir, STEP_CATALOG_FILE);
  if (!existsSync(file)) return undefined;
  return [...fromSnapshot(JSON.parse(readFileSync(file, 'utf8')) as Snapshot).objects.values()];
}

/** Drop attributes that vary by server version or installation, so one catalog.json serves every supported major and database. */
export function portable(o: CatalogObject): CatalogObject {
  const attrs: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(o.attrs)) if (portableAttr(o.kind, k)) attrs[k] = v;
  return { ...o, attrs };
}

function differs(expected: CatalogObject, actual: CatalogObject): string | undefined {
  for (const [k, v] of Object.entries(expected.attrs)) {
    if (!portableAttr(expected.kind, k)) continue;
    const a = actual.attrs[k] ?? null;
    if (a !== v) return `${k} is ${JSON.stringify(a)}, expected ${JSON.stringify(v)}`;
  }
  return undefined;
}

const plural = (k: string) =>
  (k.endsWith('s') ? k : k.endsWith('x') ? `${k}es` : k.endsWith('y') ? `${k.slice(0, -1)}ies` : `${k}s`).replace(/ /g, '-');

/**
 * Compare the live catalog with what a step's DDL creates: one check per object kind, naming every
 * missing or different object (a dropped index or column fails and is named).
 */
export async function checkStepCatalog(sql: Sql, expected: CatalogObject[]): Promise<Check[]> {
  const schemas = [...new Set(expected.map((o) => o.schema))];
  const live = await inspect(sql, schemas);
  const byKind = new Map<string, CatalogObject[]>();
  for (const o of expected) byKind.set(o.kind, [...(byKind.get(o.kind) ?? []), o]);
  const checks: Check[] = [];
  for (const [kind, objs] of [...byKind].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const problems: string[] = [];
    for (const o of objs) {
      const actual = live.objects.get(objectKey(o));
      if (!actual) problems.push(`missing ${kind} ${o.name}`);
      else {
        const d = differs(o, actual);
        if (d) problems.push(`${kind} ${o.name}: ${d}`);
      }
    }
    checks.push({
      id: `catalog-${plural(kind)}`,
      status: problems.length === 0 ? 'passed' : 'failed',
      expected: objs.length,
      actual: objs.length - problems.length,
      ...(problems.length > 0 ? { details: problems.slice(0, 20).join('; ') + (problems.length > 20 ? `; … ${problems.length - 20} more` : '') } : {}),
    });
  }
  return checks;
}
