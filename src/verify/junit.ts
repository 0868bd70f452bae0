import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Report } from './report.js';

/** One JUnit test case: a check, or an action of verify-rollback's cycle. */
export interface JunitCase {
  /** What the case belongs to (`phase 4 dual-write`): CI viewers group cases by it. */
  classname: string;
  name: string;
  ok: boolean;
  /** Why it failed (or, for a passed check with a warning, the warning). */
  message?: string;
  timeMs: number;
  /** A step that did not run: not a failure, not a pass. */
  skipped?: boolean;
}

// XML 1.0 allows only tab, newline, carriage return and the characters from U+0020 up, minus the
// surrogates and U+FFFE/U+FFFF; anything else (a NUL or an ESC in a value a check reports) makes the
// whole file unreadable. Such characters are written as `\u{…}` so what was there stays visible.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escape text for an XML 1.0 attribute value or element content. */
export function xmlEscape(text: string): string {
  return text
    .replace(NOT_XML, (c) => `\\u{${c.codePointAt(0)!.toString(16).padStart(4, '0')}}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // An attribute's tabs and line breaks would otherwise be read back as spaces.
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function testcase(c: JunitCase): string {
  const head = `  <testcase classname="${xmlEscape(c.classname)}" name="${xmlEscape(c.name)}" time="${seconds(c.timeMs)}"`;
  if (c.skipped) return `${head}><skipped${c.message ? ` message="${xmlEscape(c.message)}"` : ''}/></testcase>`;
  if (!c.ok) return `${head}><failure message="${xmlEscape(c.message ?? 'failed')}">${xmlEscape(c.message ?? 'failed')}</failure></testcase>`;
  if (c.message) return `${head}><system-out>${xmlEscape(c.message)}</system-out></testcase>`;
  return `${head}/>`;
}

/** A JUnit XML document: one testsuite named `suite`, one testcase per case. */
export function junitXml(suite: string, cases: JunitCase[]): string {
  const failures = cases.filter((c) => !c.ok && !c.skipped).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const time = cases.reduce((t, c) => t + c.timeMs, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="${xmlEscape(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(time)}">`,
    ...cases.map(testcase),
    '</testsuite>',
    '',
  ].join('\n');
}

/**
 * One case per check of a phase report (`name`: step and check, after `prefix`). A step that
 * failed without a failed check (its SQL raised) is a case of its own; a skipped step too. A
 * report times steps, not checks: a step's time is shared evenly by its checks.
 */
export function reportCases(report: Report, prefix = ''): JunitCase[] {
  const classname = `phase ${report.phase.number} ${report.phase.name}`;
  return report.steps.flatMap((s): JunitCase[] => {
    const cases: JunitCase[] = s.checks.map((c) => ({
      classname,
      name: `${prefix}${s.id}: ${c.id}`,
      ok: c.status !== 'failed',
      timeMs: s.durationMs / s.checks.length,
      ...(c.status !== 'passed' ? { message: `${c.status}${c.details ? `: ${c.details}` : ''}${c.actual !== undefined ? ` (expected ${JSON.stringify(c.expected)}, actual ${JSON.stringify(c.actual)})` : ''}` } : {}),
    }));
    if (s.status === 'failed' && !cases.some((c) => !c.ok)) {
      cases.push({ classname, name: `${prefix}${s.id}`, ok: false, message: s.error ?? 'step failed', timeMs: cases.length ? 0 : s.durationMs });
    }
    if (s.status === 'skipped' && cases.length === 0) cases.push({ classname, name: `${prefix}${s.id}`, ok: true, skipped: true, timeMs: 0 });
    return cases;
  });
}

/** Write a JUnit file, creating its directory. */
export async function writeJunit(file: string, suite: string, cases: JunitCase[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, junitXml(suite, cases));
}
