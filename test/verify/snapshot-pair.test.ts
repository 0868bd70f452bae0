import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/connection.js';
import type { Sql } from '../../src/db/client.js';
import { withSnapshotTwin } from '../../src/verify/snapshot-pair.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('twin');

describe('withSnapshotTwin', () => {
  it('sees exactly the snapshot of the exporting transaction, not writes committed after it', async () => {
    await db().sql`create table t (id int primary key)`;
    await db().sql`insert into t values (1)`;
    const target = parseDatabaseUrl(db().url, 'option');
    const seen = await db().sql.begin('isolation level repeatable read', async (tx) => {
      const [before] = await tx<{ n: number }[]>`select count(*)::int as n from t`;
      await db().sql`insert into t values (2)`; // committed by another session, after the snapshot
      const twin = await withSnapshotTwin(tx as unknown as Sql, target, async (other) => {
        const [r] = await other<{ n: number }[]>`select count(*)::int as n from t`;
        return r!.n;
      });
      return { before: before!.n, twin };
    });
    expect(seen).toEqual({ before: 1, twin: 1 });
    const [now] = await db().sql<{ n: number }[]>`select count(*)::int as n from t`;
    expect(now!.n).toBe(2);
  });
});
