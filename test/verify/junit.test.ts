import { describe, expect, it } from 'vitest';
import { junitXml, reportCases } from '../../src/verify/junit.js';
import type { Report } from '../../src/verify/report.js';
import { parseXml } from '../helpers/xml.js';

const nasty = 'NUL\u0000 ESC\u001b[31m BEL\u0007 lone\uD800 & <tag> "q" \'a\'\nsecond line\ttab \u{1F600}';

describe('JUnit XML', () => {
  it('is well-formed XML 1.0 whatever a check reports, and keeps what was there readable', () => {
    const xml = junitXml('cortex verify', [
      { classname: 'phase 1 "a" & b', name: 'step: check <1>', ok: false, message: nasty, timeMs: 1234 },
      { classname: 'phase 1 a', name: 'ok one', ok: true, timeMs: 5 },
    ]);
    const suite = parseXml(xml);
    expect(suite.attrs).toMatchObject({ name: 'cortex verify', tests: '2', failures: '1', skipped: '0', time: '1.239' });
    const [bad, good] = suite.children;
    expect(bad!.attrs).toEqual({ classname: 'phase 1 "a" & b', name: 'step: check <1>', time: '1.234' });
    const expected = 'NUL\\u{0000} ESC\\u{001b}[31m BEL\\u{0007} lone\\u{d800} & <tag> "q" \'a\'\nsecond line\ttab \u{1F600}';
    expect(bad!.children[0]!.name).toBe('failure');
    expect(bad!.children[0]!.attrs.message).toBe(expected);
    expect(bad!.children[0]!.text).toBe(expected);
    expect(good!.attrs).toEqual({ classname: 'phase 1 a', name: 'ok one', time: '0.005' });
    expect(good!.children).toEqual([]);
  });

  it('the test reader rejects what an XML parser would (so the test above can fail)', () => {
    const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
    expect(() => parseXml(`${head}<a m="\u0007"/>`)).toThrow(/forbids/);
    expect(() => parseXml(`${head}<a m="&#0;"/>`)).toThrow(/forbids/);
    expect(() => parseXml(`${head}<a m="x & y"/>`)).toThrow(/bare &/);
    expect(() => parseXml(`${head}<a><b></a>`)).toThrow(/closes/);
  });
});

describe('reportCases', () => {
  const report = {
    phase: { number: 4, name: 'dual-write' },
    steps: [
      { id: '4-dual-write/001-a', status: 'passed', durationMs: 300, checks: [
        { id: 'triggers', status: 'passed' },
        { id: 'change-log-drained', status: 'warning', expected: 0, actual: 3 },
        { id: 'round-trip', status: 'failed', details: 'no row', expected: 'x', actual: null },
      ] },
      { id: '4-dual-write/002-b', status: 'failed', durationMs: 40, error: 'relation "x" does not exist', checks: [] },
      { id: '4-dual-write/003-c', status: 'skipped', durationMs: 0, checks: [] },
    ],
  } as unknown as Report;

  it('one case per check, a failed step without a failed check, a skipped step; grouped by phase', () => {
    const cases = reportCases(report, 'verify ');
    expect(cases.map((c) => [c.classname, c.name, c.ok, c.skipped ?? false])).toEqual([
      ['phase 4 dual-write', 'verify 4-dual-write/001-a: triggers', true, false],
      ['phase 4 dual-write', 'verify 4-dual-write/001-a: change-log-drained', true, false],
      ['phase 4 dual-write', 'verify 4-dual-write/001-a: round-trip', false, false],
      ['phase 4 dual-write', 'verify 4-dual-write/002-b', false, false],
      ['phase 4 dual-write', 'verify 4-dual-write/003-c', true, true],
    ]);
    expect(cases[0]!.timeMs).toBe(100);
    expect(cases[1]!.message).toBe('warning (expected 0, actual 3)');
    expect(cases[2]!.message).toBe('failed: no row (expected "x", actual null)');
    expect(cases[3]!.message).toBe('relation "x" does not exist');
    expect(parseXml(junitXml('s', cases)).attrs).toMatchObject({ tests: '5', failures: '2', skipped: '1' });
  });
});
