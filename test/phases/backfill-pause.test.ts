// Ctrl-C is the documented way to pause the backfill: the step is recorded as interrupted
// (paused), not failed, status says how to resume, and `migrate phase 3` continues after the last
// committed batch. The progress lines meanwhile show the rate achieved under the ceiling.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase, waitForNoRun } from '../helpers/db.js';

const STEP = '3-backfill/010-backfill-rows';
const MAX = 4_000;

interface Checkpoint { t: string; done: string; total: string | null; finished: boolean }

describe('pausing the backfill with Ctrl-C', () => {
  const db = useFreshDatabase('bfp');
  const cli = (args: string[]) => runCli(['--database-url', db().url, ...args], { timeoutMs: 120_000 });
  const checkpoints = () => db().sql<Checkpoint[]>`
    select old_schema || '.' || old_table as t, rows_done::text as done, rows_total::text as total, finished_at is not null as finished
      from cortex_migration.backfill_checkpoints order by 1`;

  it('records it as interrupted, status says how to resume, and migrate phase 3 continues where it stopped', async () => {
    await loadLegacyFixture(db().sql, { scale: 0.3, seed: 3, dirty: false, replace: false });
    for (const n of ['1', '2']) expect((await cli(['migrate', 'phase', n])).code).toBe(0);

    const child = spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', db().url, 'migrate', 'phase', '3',
      '--batch-size', '500', '--max-rows-per-second', String(MAX)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    // Paused once a few tables are copied, part-way through a table with at least half a second
    // (2,000 rows at 4,000 rows/s) left to copy, so a table is surely part-way when the signal lands.
    for (let i = 0; i < 1200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const rows = await checkpoints().catch(() => []);
      const midway = rows.some((r) => !r.finished && Number(r.done) > 0 && Number(r.total) - Number(r.done) >= 2_000);
      if (midway && rows.reduce((n, r) => n + Number(r.done), 0) >= 10_000) break;
    }
    child.kill('SIGINT');
    expect(await exited, stderr.slice(-800)).toBe(130);
    await waitForNoRun(db().sql);

    // The command's own output: paused, not failed, and the command that resumes.
    expect(stderr).toContain('phase 3 (backfill) up INTERRUPTED (paused)');
    expect(stderr).not.toContain('FAILED');
    expect(stdout).toContain(`interrupted by SIGINT: step ${STEP} paused (recorded as interrupted, its committed work kept); resume with: cortex migrate phase 3`);

    // Every progress line shows the rate achieved under the ceiling (the batches alone run far
    // faster), for the table and for all tables, with the phase's ETA.
    const lines = stderr.split('\n').filter((l) => / rows\/s/.test(l) && l.includes('(table '));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => /; all tables [\d,]+\/[\d,]+ \(\d+%\) [\d,]+ rows\/s, ETA \S+$/.test(l))).toBe(true);
    const rates = lines.flatMap((l) => [...l.matchAll(/([\d,]+) rows\/s/g)].map((m) => Number(m[1]!.replace(/,/g, ''))));
    for (const r of rates) expect(r).toBeLessThanOrEqual(MAX * 1.1);

    const paused = await checkpoints();
    const partial = paused.filter((c) => !c.finished);
    expect(partial.filter((c) => Number(c.done) > 0)).toHaveLength(1);
    const copied = paused.filter((c) => c.finished);
    expect(copied.length).toBeGreaterThan(0);
    expect(copied.length).toBeLessThan(22);

    // status, --json: the step and the phase are interrupted, with the command that resumes.
    const json = JSON.parse((await cli(['--json', 'status'])).stdout).data;
    const phase3 = json.phases.find((p: { number: number }) => p.number === 3);
    expect(phase3.state).toBe('interrupted');
    expect(phase3.steps.find((s: { id: string }) => s.id === STEP)).toMatchObject({ state: 'interrupted', resume: 'cortex migrate phase 3' });
    expect(json.backfill.tables).toHaveLength(paused.length);
    // status, text: the same, and the per-table table.
    const text = (await cli(['status'])).stdout;
    expect(text).toMatch(/^phase 3 backfill +interrupted {2}\(paused; resume with: cortex migrate phase 3\)$/m);
    expect(text).toMatch(new RegExp(`^ {2}interrupted ${STEP} {2}interrupted by SIGINT: .*; resume with: cortex migrate phase 3$`, 'm'));
    expect(text).toMatch(/^ {2}table +rows done\/total +% {2}state$/m);
    for (const c of copied) expect(text).toMatch(new RegExp(`^  ${c.t} +[\\d,]+/[\\d,]+ +100%  copied$`, 'm'));
    for (const c of partial) expect(text).toMatch(new RegExp(`^  ${c.t} +[\\d,]+/[\\d,]+ +\\d+%  (part-way|started), `, 'm'));
    expect(text).toContain(`${22 - paused.length} tables not started`);

    // Resume: each table part-way copies only the rows after its last committed batch.
    const again = await cli(['migrate', 'phase', '3']);
    expect(again.code, again.stderr.slice(-800)).toBe(0);
    for (const c of partial.filter((x) => Number(x.done) > 0)) {
      const rest = Number(c.total) - Number(c.done);
      expect(again.stderr).toMatch(new RegExp(`${c.t}: ${rest} rows in \\d+ batches, 0 quarantined \\(resumed\\)`));
    }
    for (const c of copied) expect(again.stderr).toMatch(new RegExp(`${c.t}: 0 rows in 0 batches, 0 quarantined \\(resumed\\)`));
    const after = JSON.parse((await cli(['--json', 'status'])).stdout).data;
    expect(after.phases.find((p: { number: number }) => p.number === 3).state).toBe('applied');
    expect(after.backfill.tables.every((t: { finished: boolean }) => t.finished)).toBe(true);
  }, 300_000);
});
