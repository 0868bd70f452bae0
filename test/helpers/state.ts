import type { Sql } from '../../src/db/client.js';
import { dataHashes } from '../../src/schema/data-hash.js';
import { inspect, userSchemas } from '../../src/schema/inspect.js';
import { toSnapshot } from '../../src/schema/model.js';

/** Normalised schema snapshot of every user schema except the ledger's (pg_dump --schema-only equivalent). */
export async function schemaState(sql: Sql): Promise<string> {
  const schemas = (await userSchemas(sql)).filter((s) => s !== 'cortex_migration');
  return JSON.stringify(toSnapshot(await inspect(sql, schemas)));
}

/** md5 of every row of every table in the given schemas, as a plain object (for toEqual). */
export async function dataState(sql: Sql, schemas: string[]): Promise<Record<string, string>> {
  return Object.fromEntries(await dataHashes(sql, schemas));
}
