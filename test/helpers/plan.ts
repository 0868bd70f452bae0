import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/paths.js';

/** Path of the engine's sample test plan (three phases of SQL steps). */
export const samplePlan = packagePath('test', 'plans', 'sample');

/** A private copy of the sample plan that a test may edit (for drift tests). */
export function copySamplePlan(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cortex-plan-'));
  cpSync(samplePlan, dir, { recursive: true });
  return dir;
}
