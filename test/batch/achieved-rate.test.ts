// The rate a progress line shows under --max-rows-per-second is the one achieved (rows over
// elapsed time, the throttle's pauses included), not the speed of a batch before its pause.
import { describe, expect, it } from 'vitest';
import type { Progress } from '../../src/backfill/progress.js';
import { batchLoop } from '../../src/batch/loop.js';
import type { Sql } from '../../src/db/client.js';

// Stands in for one connection: no transaction is open (SAVEPOINT refused with 25P01), every
// other statement (begin, set_config, commit) succeeds at once, so a batch takes no time at all.
const idleConnection = ((strings: TemplateStringsArray) =>
  strings.join('').trim().startsWith('savepoint') ? Promise.reject(Object.assign(new Error('no transaction'), { code: '25P01' })) : Promise.resolve([])) as unknown as Sql;

describe('progress under a rate ceiling', () => {
  it('shows about --max-rows-per-second, never the instant batches faster than it', async () => {
    const seen: Progress[] = [];
    const max = 4_000;
    const settings = { lockTimeoutMs: 2000, statementTimeoutMs: 0, lockRetries: 0, options: {} };
    // 12 batches of 200 keys at 4,000 rows/s: about 0.6 s.
    const out = await batchLoop(idleConnection, settings, { batchSize: 200, batchDelayMs: 0, maxRowsPerSecond: max, onProgress: (p) => seen.push(p) },
      { label: 'x.y', cursor: 0, doneAtStart: 0, total: 2_400 },
      async (_tx, n) => (n < 12 ? { keys: 200, cursor: n + 1 } : { keys: 0, cursor: n }));
    expect(out.keys).toBe(2_400);
    expect(seen).toHaveLength(12);
    // The throttle sleeps until the rows are due, so no line may exceed the ceiling (5% for a
    // timer firing a millisecond early); a loaded machine only makes it slower, hence the loose floor.
    for (const p of seen) expect(p.rate).toBeLessThanOrEqual(max * 1.05);
    expect(seen.at(-1)!.rate).toBeGreaterThan(max * 0.5);
    expect(seen.at(-1)!.etaSeconds).toBe(0);
  });
});
