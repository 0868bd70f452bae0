import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { CortexError } from '../../src/errors.js';

describe('parseConfig', () => {
  it('accepts a full valid config', () => {
    const c = parseConfig({ plan: 'p', lockTimeoutSeconds: 3, backfill: { batchSize: 5000, maxRowsPerSecond: 100 } }, 'x.json');
    expect(c.backfill?.batchSize).toBe(5000);
  });

  it.each([
    [{ nope: 1 }, 'nope'],
    [{ backfill: { batchSize: 0 } }, 'backfill.batchSize'],
    [{ backfill: { extra: true } }, 'backfill.extra'],
    [{ lockTimeoutSeconds: 'soon' }, 'lockTimeoutSeconds'],
  ])('rejects %j naming %s (exit 2)', (raw, path) => {
    try {
      parseConfig(raw, 'cortex.config.json');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CortexError);
      expect((err as CortexError).exitCode).toBe(2);
      expect((err as CortexError).message).toContain(path);
    }
  });
});
