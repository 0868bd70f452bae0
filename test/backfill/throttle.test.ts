import { describe, expect, it } from 'vitest';
import { Throttle } from '../../src/backfill/throttle.js';

describe('backfill throttle', () => {
  it('a stop cuts its pause short: a slow throttle does not keep a stopped run waiting', async () => {
    const stop = new AbortController();
    // One row per second after a 1,000-row batch: a pause of about 1,000 s.
    const throttle = new Throttle(1, 0, stop.signal);
    setTimeout(() => stop.abort(), 50);
    const t0 = Date.now();
    const planned = await throttle.after(1000);
    expect(planned).toBeGreaterThan(900_000);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
