// The governor's probes and holds against the real server: a sample's timings and what it sees in
// pg_stat_activity (an application session blocked by a cortex one), no replica meaning no lag
// limit, the baseline taken before the first batch, the state recorded for status and removed on
// close, and a stop cutting a long pause short.
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/client.js';
import { setPause } from '../../src/governor/control.js';
import { BatchGovernor } from '../../src/governor/governor.js';
import { governorOptions } from '../../src/governor/options.js';
import { takeSample } from '../../src/governor/probe.js';
import { readGovernors } from '../../src/governor/record.js';
import { ensureLedger } from '../../src/runner/ledger.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('govprobe');
const connect = (name: string, max = 1) =>
  postgres(db().url, { max, onnotice: () => {}, connection: { application_name: name } }) as unknown as Sql;

describe('the governor probes the real server', () => {
  it('a sample times a committing transaction and a round trip, and sees a session blocked by a cortex one', async () => {
    const probe = connect('cortex-governor (pid 1)');
    const holder = connect('cortex (pid 1)');
    const app = connect('app');
    try {
      await db().sql`create table if not exists lockme (id int)`;
      const calm = await takeSample(probe, Date.now);
      expect(calm.xactMs).toBeGreaterThan(0);
      expect(calm.rttMs).toBeGreaterThan(0);
      expect(calm.blocked).toBe(0);
      // No replica: no lag, so no lag limit applies.
      expect(calm.lagMs).toBeUndefined();
      const reserved = await holder.reserve();
      await reserved`begin`;
      await reserved`lock table lockme in access exclusive mode`;
      const waiting = app`select count(*) from lockme`.catch(() => null);
      let seen = calm;
      for (let i = 0; i < 50 && seen.blocked === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        seen = await takeSample(probe, Date.now);
      }
      expect(seen.blocked).toBe(1);
      expect(seen.waits).toBeGreaterThanOrEqual(1);
      await reserved`rollback`;
      reserved.release();
      await waiting;
    } finally {
      await Promise.all([probe.end(), holder.end(), app.end()]);
    }
  });

  it('takes its baseline before the first batch, records its state for status, and removes it on close', async () => {
    await ensureLedger(db().sql);
    const g = new BatchGovernor(governorOptions({ batchSize: 800, governor: true }), { own: connect('cortex-governor (pid 2)') });
    expect(await g.baseline()).toBeUndefined();
    expect(await g.beforeBatch()).toBe(800);
    const base = (await g.baseline())!;
    expect(base.xactMs).toBeGreaterThan(0);
    await g.afterBatch(800, 50);
    // 800 rows in 50 ms: 16 rows/ms, 1,600 for the 100 ms target, capped at the maximum.
    expect(g.state()).toMatchObject({ batchSize: 800, throttled: false, reason: null, holding: false });
    const rows = await readGovernors(db().sql);
    expect(rows.map((r) => r.pid)).toContain(process.pid);
    expect(rows.find((r) => r.pid === process.pid)!.state.batchSize).toBe(800);
    await g.close();
    expect((await readGovernors(db().sql)).map((r) => r.pid)).not.toContain(process.pid);
  });

  it('holds while paused, polling about once a second, and accounts the time to "paused"', async () => {
    await ensureLedger(db().sql);
    await setPause(db().sql, true, 'test');
    const g = new BatchGovernor(governorOptions({ governor: false }), { own: null, loop: db().sql });
    const t0 = Date.now();
    setTimeout(() => void setPause(db().sql, false, null), 1500);
    expect(await g.beforeBatch()).toBe(5000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect(g.summary().byReason.paused).toBeGreaterThanOrEqual(900);
    await g.close();
  });

  it('a stop cuts its pause short: a low --max-rows-per-second does not keep a stopped run waiting', async () => {
    const g = new BatchGovernor(governorOptions({ maxRowsPerSecond: 1, governor: false }), { own: null });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const t0 = Date.now();
    // 1,000 rows at one a second: a pause of about 1,000 s, cut short by the stop.
    await g.afterBatch(1000, 1, stop.signal);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(g.state().reason).toBe('max-rows-per-second');
  });
});
