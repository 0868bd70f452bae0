// The governor's defaults: flags and config decide, then CORTEX_GOVERNOR, then on.
import { describe, expect, it } from 'vitest';
import { governorDefault, governorOptions } from '../../src/governor/options.js';

describe('governor options', () => {
  it('is on unless CORTEX_GOVERNOR says off', () => {
    expect(governorDefault({})).toBe(true);
    expect(governorDefault({ CORTEX_GOVERNOR: 'on' })).toBe(true);
    expect(governorDefault({ CORTEX_GOVERNOR: ' OFF ' })).toBe(false);
  });

  it('a flag or the config wins over the environment', () => {
    const saved = process.env.CORTEX_GOVERNOR;
    try {
      process.env.CORTEX_GOVERNOR = 'off';
      expect(governorOptions({}).enabled).toBe(false);
      expect(governorOptions({ governor: true }).enabled).toBe(true);
      process.env.CORTEX_GOVERNOR = 'on';
      expect(governorOptions({}).enabled).toBe(true);
      expect(governorOptions({ governor: false }).enabled).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.CORTEX_GOVERNOR;
      else process.env.CORTEX_GOVERNOR = saved;
    }
  });
});
