import { appendFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ChalkInstance } from 'chalk';
import { scrubDeep } from '../config/secrets.js';
import type { Sql } from '../db/client.js';
import { makeDirs, prepareWritableDir } from '../fs/writable-dir.js';
import type { Report } from './report.js';

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

// ` (expected x, actual y)` for a terminal line: a side the check did not give is left out, one
// that is empty (a column or object that is not there) reads "none".
function expectedActual(expected: unknown, actual: unknown): string {
  const shown = (v: unknown) => (v === null || v === '' ? 'none' : cell(v));
  const parts = [
    ...(expected !== undefined ? [`expected ${shown(expected)}`] : []),
    ...(actual !== undefined ? [`actual ${shown(actual)}`] : []),
  ];
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** `throttled 12.3 s (latency 8.1 s, throttle query 4.2 s)`: a batched step's time slowed or held by the governor. */
export function throttledText(t: { ms: number; byReason: Record<string, number> }): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const parts = Object.entries(t.byReason).sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k} ${s(ms)}`);
  return `throttled ${s(t.ms)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/** The Markdown twin of a report. */
export function toMarkdown(r: Report): string {
  const lines = [
    `# cortex phase ${r.phase.number} (${r.phase.name}) ${r.direction}: ${r.status.toUpperCase()}`,
    '',
    // Reports stored by versions before the plan was recorded have none.
    ...(r.plan ? [`- plan: ${r.plan.name}`] : []),
    `- database: ${r.database.name} on ${r.database.host} (PostgreSQL ${r.database.serverVersion})`,
    `- started ${r.startedAt}, took ${(r.durationMs / 1000).toFixed(2)} s`,
    `- checks: ${r.summary.passed} passed, ${r.summary.failed} failed, ${r.summary.warnings} warnings`,
    '',
    '| step | status | ms | rows |',
    '|---|---|---:|---:|',
    ...r.steps.map((s) => `| ${s.id} | ${s.status} | ${s.durationMs} | ${s.rows ?? ''} |`),
  ];
  const throttled = r.steps.filter((s) => s.throttled);
  if (throttled.length > 0) lines.push('', ...throttled.map((s) => `- ${s.id}: ${throttledText(s.throttled!)}`));
  const checks = r.steps.flatMap((s) => s.checks.map((c) => ({ step: s.id, ...c })));
  if (checks.length > 0) {
    lines.push('', '| step | check | status | expected | actual | details |', '|---|---|---|---|---|---|');
    for (const c of checks) {
      lines.push(`| ${c.step} | ${c.id} | ${c.status} | ${cell(c.expected)} | ${cell(c.actual)} | ${cell(c.details)} |`);
    }
  }
  const errors = r.steps.filter((s) => s.error);
  if (errors.length > 0) lines.push('', ...errors.map((s) => `- **${s.id} ${s.status === 'interrupted' ? 'interrupted (paused)' : 'failed'}**: ${s.error}`));
  return `${lines.join('\n')}\n`;
}

/** A compact terminal summary: one line per phase plus one per failed or warning check. */
export function toTerminal(r: Report, color: ChalkInstance): string {
  const mark = r.status === 'passed' ? color.green('passed') : r.status === 'interrupted' ? color.yellow('INTERRUPTED (paused)') : color.red('FAILED');
  const head = `phase ${r.phase.number} (${r.phase.name}) ${r.direction} ${mark}: ${r.summary.passed} checks passed, ${r.summary.failed} failed, ${r.summary.warnings} warnings, ${(r.durationMs / 1000).toFixed(1)} s`;
  const lines = [head];
  for (const s of r.steps) {
    if (s.throttled) lines.push(`  ${color.dim('~')} ${s.id}: ${throttledText(s.throttled)}`);
    if (s.error) lines.push(`  ${s.status === 'interrupted' ? color.yellow('‖') : color.red('✗')} ${s.id}: ${s.error}`);
    for (const c of s.checks) {
      if (c.status === 'passed') continue;
      const tag = c.status === 'failed' ? color.red('✗') : color.yellow('!');
      const ea = expectedActual(c.expected, c.actual);
      lines.push(`  ${tag} ${s.id} ${c.id}${ea}${c.details ? `: ${c.details}` : ''}`);
    }
  }
  return lines.join('\n');
}

/** Where a report was written. */
export interface ReportFiles {
  json: string;
  markdown: string;
}

/** Check (and create) the reports directory before a run changes anything; exit 2 when unusable. */
export async function prepareReportsDir(dir: string): Promise<void> {
  await prepareWritableDir(dir, 'reports directory');
}

/**
 * Write the JSON and Markdown files into `dir` (created if missing), and append the Markdown to
 * `$GITHUB_STEP_SUMMARY` when set.
 */
export async function writeReportFiles(report: Report, dir: string): Promise<ReportFiles> {
  const r = scrubDeep(report);
  await makeDirs(resolve(dir));
  const stamp = r.startedAt.replace(/[:.]/g, '-');
  const base = `${stamp}-phase${r.phase.number}-${r.phase.name}-${r.direction}`;
  const json = resolve(join(dir, `${base}.json`));
  const markdown = resolve(join(dir, `${base}.md`));
  const md = toMarkdown(r);
  await writeFile(json, `${JSON.stringify(r, null, 2)}\n`);
  await writeFile(markdown, md);
  if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, `${md}\n`);
  return { json, markdown };
}

/** Store a report in `cortex_migration.reports`. */
export async function storeReport(sql: Sql, runId: string, report: Report): Promise<void> {
  const r = scrubDeep(report);
  await sql`
    insert into cortex_migration.reports (run_id, phase, direction, status, report)
    values (${runId}, ${r.phase.number}, ${r.direction}, ${r.status}, ${sql.json(r as never)})`;
}
