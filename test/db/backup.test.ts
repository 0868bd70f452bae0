import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/connection.js';
import { compatible, dumpSchemas, pgDumpMajor } from '../../src/db/backup.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { useFreshDatabase } from '../helpers/db.js';

describe('pg_dump backup', () => {
  const db = useFreshDatabase('bkp');

  it('a dump that is stopped (or fails) leaves no file that could pass for a backup', async () => {
    await loadLegacyFixture(db().sql, { scale: 0.2, seed: 2, dirty: false, replace: false });
    const dir = mkdtempSync(join(tmpdir(), 'cortex-bkp-'));
    const stop = new AbortController();
    const dump = dumpSchemas(parseDatabaseUrl(db().url, 'option'), ['crm', 'calendar', 'finance'], dir, stop.signal);
    // Stop pg_dump once it has started writing its file (a pg_dump that cannot dump this server's
    // version fails by itself, and must leave nothing either).
    let settled = false;
    void dump.catch(() => {}).finally(() => (settled = true));
    while (!settled && readdirSync(dir).length === 0) await new Promise((r) => setTimeout(r, 2));
    stop.abort();
    await expect(dump).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('pg_dump backup file mode', () => {
  const db = useFreshDatabase('bkpmode');

  it('is readable and writable by its owner only (it holds app.users.password_hash)', async () => {
    await db().sql`create schema crm; create table crm.t (id int)`.simple();
    const dir = mkdtempSync(join(tmpdir(), 'cortex-bkp-'));
    // Under a permissive umask pg_dump alone would write 0666; the file must still be 0600.
    const umask = process.umask(0);
    try {
      const [v] = await db().sql<{ major: number }[]>`select current_setting('server_version_num')::int / 10000 as major`;
      if (compatible(await pgDumpMajor(), v!.major)) {
        const file = await dumpSchemas(parseDatabaseUrl(db().url, 'option'), ['crm'], dir);
        expect(statSync(file).mode & 0o777).toBe(0o600);
      } else {
        // No pg_dump for this server's version (CI's embedded PostgreSQL 17 beside Debian's
        // pg_dump 15): the dump fails and leaves no file; CI's PostgreSQL 15 run checks the mode.
        await expect(dumpSchemas(parseDatabaseUrl(db().url, 'option'), ['crm'], dir)).rejects.toThrow(/version mismatch/);
        expect(readdirSync(dir)).toEqual([]);
      }
    } finally {
      process.umask(umask);
    }
  });
});
