// The terminal lines of a report: what a check expected and found, without empty halves.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/verify/report.js';
import { toTerminal } from '../../src/verify/writers.js';

const plain = new Chalk({ level: 0 });

function report(checks: Report['steps'][number]['checks']): Report {
  return {
    tool: 'cortex', version: '0', database: { host: 'h', name: 'd', serverVersion: '15' },
    phase: { number: 3, name: 'contract' }, direction: 'verify', status: 'failed',
    startedAt: '2026-12-07T00:00:00.000Z', finishedAt: '2026-12-07T00:00:01.000Z', durationMs: 1000,
    steps: [{ id: '3-contract/002-add-checks', status: 'passed', durationMs: 1, checks }],
    summary: { passed: 0, failed: checks.length, warnings: 0 },
  } as Report;
}

describe('toTerminal', () => {
  it('leaves out a side the check did not give, and reads an empty one as none', () => {
    const lines = toTerminal(report([
      { id: 'check-absent', status: 'failed', actual: 'check absent' },
      { id: 'messages.flirt_level', status: 'failed', expected: 'integer', actual: null },
      { id: 'counts', status: 'failed', expected: 3, actual: 2 },
      { id: 'no-values', status: 'failed', details: 'just words' },
    ]), plain).split('\n').slice(1);
    expect(lines).toEqual([
      '  ✗ 3-contract/002-add-checks check-absent (actual check absent)',
      '  ✗ 3-contract/002-add-checks messages.flirt_level (expected integer, actual none)',
      '  ✗ 3-contract/002-add-checks counts (expected 3, actual 2)',
      '  ✗ 3-contract/002-add-checks no-values: just words',
    ]);
  });
});
