import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, inject } from 'vitest';
import { parseDatabaseUrl, withDatabase } from '../../src/config/connection.js';
import type { Sql } from '../../src/db/client.js';
import { runLockHolder } from '../../src/db/lock.js';

/** A database created for one test file, dropped at its end. */
export interface TestDatabase {
  name: string;
  url: string;
  sql: Sql;
}

/** The admin URL of the server resolved by the global setup. */
export function adminUrl(): string {
  return inject('adminUrl');
}

function client(url: string, max = 4): Sql {
  return postgres(url, { max, onnotice: () => {} }) as unknown as Sql;
}

/** Create a new empty database on the test server. */
export async function createDatabase(prefix = 't'): Promise<TestDatabase> {
  const admin = client(adminUrl(), 1);
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  try {
    await admin`create database ${admin(name)}`;
  } finally {
    await admin.end();
  }
  const url = withDatabase(parseDatabaseUrl(adminUrl(), 'option'), name).url;
  return { name, url, sql: client(url) };
}

/**
 * A new database copied from `template` (CREATE DATABASE … TEMPLATE): a fixture loaded once serves
 * several runs. Nobody may be connected to the template, so its own client is closed first.
 */
export async function cloneDatabase(template: TestDatabase, prefix = 't'): Promise<TestDatabase> {
  await template.sql.end({ timeout: 5 });
  const admin = client(adminUrl(), 1);
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  try {
    await admin`create database ${admin(name)} template ${admin(template.name)}`;
  } finally {
    await admin.end();
  }
  const url = withDatabase(parseDatabaseUrl(adminUrl(), 'option'), name).url;
  return { name, url, sql: client(url) };
}

/** Drop a test database, closing its client and any other session on it. */
export async function dropDatabase(db: TestDatabase): Promise<void> {
  await db.sql.end({ timeout: 5 });
  const admin = client(adminUrl(), 1);
  try {
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${db.name} and pid <> pg_backend_pid()`;
    await admin`drop database if exists ${admin(db.name)}`;
  } finally {
    await admin.end();
  }
}

/** Give the calling test file its own fresh database for all of its tests. */
export function useFreshDatabase(prefix = 't'): () => TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createDatabase(prefix);
  });
  afterAll(async () => {
    if (db) await dropDatabase(db);
  });
  return () => {
    if (!db) throw new Error('test database not created yet (use inside a test)');
    return db;
  };
}

/**
 * Wait (up to 10 s) until no session holds the cortex run lock: after a CLI process is killed,
 * its backend lets go only once the server notices the closed connection.
 */
export async function waitForNoRun(sql: Sql): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await runLockHolder(sql)) === null) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the run lock is still held 10 s after the run was killed');
}
