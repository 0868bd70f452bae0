// `cortex status` for a plan other than the built-in one: after plan 002's batched backfill is
// interrupted (Ctrl-C), status shows how far each job got, in text and --json, from the
// checkpoints in cortex_migration.batch_checkpoints.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase, waitForNoRun } from '../helpers/db.js';

const db = useFreshDatabase('stjobs');
const PLAN = packagePath('fixtures', 'plans', '002-aurora-merge');
const reports = packagePath('reports', 'test-status-jobs');
const cli = (args: string[]) => runCli(['--database-url', db().url, '--plan', PLAN, '--reports-dir', reports, ...args], { timeoutMs: 60_000 });

interface Checkpoint { job: string; rows_done: string; rows_total: string | null; batches: number; finished: boolean }
const checkpoints = () => db().sql<Checkpoint[]>`
  select job, rows_done::text, rows_total::text, batches, finished_at is not null as finished
    from cortex_migration.batch_checkpoints order by started_at, job`;

describe('status of an interrupted batched backfill (plan 002)', () => {
  it('shows every job with rows done / total, batches, finished or not, last update, in text and --json', async () => {
    expect((await cli(['fixtures', 'load', '--scale', '4', '--seed', '5'])).code).toBe(0);
    expect((await cli(['migrate', 'phase', '1'])).code).toBe(0);

    // Paced so conversations take a few seconds; Ctrl-C once they are part-way.
    const child = spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', db().url, '--plan', PLAN,
      '--reports-dir', reports, 'migrate', 'phase', '2', '--batch-size', '100', '--max-rows-per-second', '1000'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    for (let i = 0; i < 400; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const c = (await checkpoints()).find((x) => x.job.endsWith('/up/conversations'));
      if (c && Number(c.rows_done) >= 200) break;
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    await waitForNoRun(db().sql);

    const rows = await checkpoints();
    const conv = rows.find((x) => x.job === 'aurora-merge/org-id/up/conversations');
    expect(conv?.finished).toBe(false);
    expect(Number(conv!.rows_done)).toBeGreaterThanOrEqual(200);
    expect(Number(conv!.rows_done)).toBeLessThan(Number(conv!.rows_total));

    const json = await cli(['--json', 'status']);
    expect(json.code, json.stderr).toBe(0);
    const data = JSON.parse(json.stdout).data;
    expect(data.plan).toBe('aurora-merge');
    expect(data.batchJobs.map((j: Record<string, unknown>) => ({ job: j.job, rows_done: String(j.rowsDone), rows_total: String(j.rowsTotal), batches: j.batches, finished: j.finished })))
      .toEqual(rows);
    for (const j of data.batchJobs) expect(Date.parse(j.updatedAt)).toBeGreaterThan(Date.now() - 120_000);

    const text = await cli(['status']);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe(`plan aurora-merge (${PLAN})`);
    // Paused by Ctrl-C, not failed: the state says so, and how to go on.
    expect(text.stdout).toMatch(/^phase 2 backfill +interrupted {2}\(paused; resume with: cortex migrate phase 2\)$/m);
    expect(text.stdout).toMatch(/^ {2}interrupted 2-backfill\/003-backfill-org-id {2}interrupted by SIGINT: .*; resume with: cortex migrate phase 2$/m);
    const fmt = (n: string) => Number(n).toLocaleString('en-US');
    const finished = rows.filter((r) => r.finished).length;
    expect(lines).toContain(`batched jobs: ${finished}/${rows.length} finished, ${fmt(String(rows.reduce((n, r) => n + Number(r.rows_done), 0)))} rows`);
    const convLine = lines.find((l) => l.includes('aurora-merge/org-id/up/conversations'));
    expect(convLine).toMatch(new RegExp(`^  aurora-merge/org-id/up/conversations\\s+${fmt(conv!.rows_done)}/${fmt(conv!.rows_total!)} \\(\\d+%\\), ${conv!.batches} batches, not finished, last update \\d+s ago \\(\\S+Z\\)$`));
  });
});
