import { describe, expect, it } from 'vitest';
import { stepOptions } from '../../src/plan/step-options.js';

describe('step options', () => {
  it('keep the known options, drop undefined ones, and refuse an unknown or mistyped one', () => {
    expect(stepOptions({ batchSize: 10, skipBackup: true, backupDir: undefined })).toEqual({ batchSize: 10, skipBackup: true });
    expect(() => stepOptions({ batchSize: 10, bachSize: 5 })).toThrow(/bachSize/);
    expect(() => stepOptions({ batchSize: '10' })).toThrow();
    expect(() => stepOptions({ batchSize: 0 })).toThrow();
  });
});
