// `cortex backfill work` as a user runs it: refused (exit 6) with no backfill in progress; two
// processes started separately share the chunks of a `migrate phase 3`; Ctrl-C stops one after its
// batch and the chunk it held is finished by the others.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

const REFUSAL = 'no backfill in progress: start `cortex migrate phase 3` first';

describe('cortex backfill work', () => {
  const db = useFreshDatabase('bwk');
  const cli = (args: string[]) => runCli(['--database-url', db().url, ...args], { timeoutMs: 180_000 });
  const start = (args: string[]) => {
    const child = spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', db().url, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) => child.once('exit', (code) => r({ code, stdout, stderr })));
    return { child, exit };
  };
  const wait = async (what: () => Promise<boolean>) => {
    for (let i = 0; i < 600; i++) {
      if (await what().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('timed out');
  };
  // Chunks each `backfill work` process (by OS pid) has claimed.
  const claimedBy = async () => db().sql<{ pid: number; chunks: number }[]>`
    select w.pid, count(*)::int as chunks from cortex_migration.backfill_chunks c
      join cortex_migration.backfill_workers w on w.id = c.worker where w.role = 'work' group by w.pid`;

  it('is refused (exit 6) before phase 3 has started a backfill, in text and in --json', async () => {
    for (const args of [['fixtures', 'load', '--scale', '0.3', '--seed', '5'], ['migrate', 'phase', '1'], ['migrate', 'phase', '2']]) {
      expect((await cli(args)).code).toBe(0);
    }
    const text = await cli(['backfill', 'work']);
    expect(text.code).toBe(6);
    expect(text.stderr.trim().split('\n')).toEqual([`error: ${REFUSAL}, then \`cortex backfill work\` joins it`]);
    const json = await cli(['--json', 'backfill', 'work']);
    expect(json.code).toBe(6);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, command: 'backfill work', data: null, error: { code: 'REFUSED' } });
    expect(JSON.parse(json.stdout).error.message).toContain(REFUSAL);
  }, 120_000);

  it('two processes started separately share the chunks; Ctrl-C stops one after its batch and its chunk is finished by the others', async () => {
    const pace = ['--batch-size', '250', '--max-rows-per-second', '2000'];
    const migrate = start(['migrate', 'phase', '3', ...pace]);
    await wait(async () => (await db().sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.backfill_chunks`)[0]!.n > 0);
    const a = start(['--json', 'backfill', 'work', ...pace]);
    await wait(async () => (await claimedBy()).length === 1);
    const b = start(['backfill', 'work', ...pace]);
    // B has finished a chunk and holds another it has started on, with more than its current batch
    // left (so the batch it finishes after Ctrl-C cannot finish the chunk): Ctrl-C.
    let held: { t: string; chunk: number; done: string } | undefined;
    await wait(async () => {
      const rows = await db().sql<{ t: string; chunk: number; done: string; finished: boolean; started: boolean }[]>`
        select c.old_schema || '.' || c.old_table as t, c.chunk, c.rows_done::text as done, c.finished_at is not null as finished,
               (c.finished_at is null and c.rows_done > 0 and c.rows_done <= c.rows_total - 500 and c.owner_pid is not null) as started
          from cortex_migration.backfill_chunks c join cortex_migration.backfill_workers w on w.id = c.worker
         where w.pid = ${b.child.pid!}`;
      held = rows.find((r) => r.started);
      return rows.some((r) => r.finished) && held !== undefined;
    });
    b.child.kill('SIGINT');
    const stoppedB = await b.exit;
    expect(stoppedB.code, stoppedB.stderr.slice(-500)).toBe(130);
    expect(stoppedB.stderr).toContain('SIGINT: stopping after the current batch');
    expect(stoppedB.stderr).toContain('interrupted by SIGINT: stopped after the current batch; its chunk is free for any worker, its progress kept');
    // The chunk B held is not finished by B: released with its progress kept (another worker may
    // already have claimed it, so it is looked up by name, not by B's pid).
    const released = held!;
    const [afterStop] = await db().sql<{ pid: number; done: string; finished: boolean }[]>`
      select w.pid, c.rows_done::text as done, c.finished_at is not null as finished
        from cortex_migration.backfill_chunks c join cortex_migration.backfill_workers w on w.id = c.worker
       where c.old_schema || '.' || c.old_table = ${released.t} and c.chunk = ${released.chunk}`;
    expect(afterStop!.finished && afterStop!.pid === b.child.pid).toBe(false);
    expect(BigInt(afterStop!.done)).toBeGreaterThanOrEqual(BigInt(released.done));

    const doneA = await a.exit;
    expect(doneA.code, doneA.stderr.slice(-500)).toBe(0);
    expect(JSON.parse(doneA.stdout)).toMatchObject({ ok: true, command: 'backfill work', data: { workers: 1 } });
    const doneM = await migrate.exit;
    expect(doneM.code, doneM.stderr.slice(-500)).toBe(0);

    // Both processes claimed chunks, as the chunk table shows.
    const shares = await claimedBy();
    expect(shares.map((s) => s.pid).sort()).toEqual([a.child.pid!, b.child.pid!].sort());
    for (const s of shares) expect(s.chunks).toBeGreaterThan(0);
    // B's chunk was finished by another worker, continuing from B's committed progress.
    const [after] = await db().sql<{ role: string; pid: number; done: string; total: string; finished: boolean }[]>`
      select w.role, w.pid, c.rows_done::text as done, c.rows_total::text as total, c.finished_at is not null as finished
        from cortex_migration.backfill_chunks c join cortex_migration.backfill_workers w on w.id = c.worker
       where c.old_schema || '.' || c.old_table = ${released.t} and c.chunk = ${released.chunk}`;
    expect(after!.finished).toBe(true);
    expect(after!.pid).not.toBe(b.child.pid);
    expect(after!.done).toBe(after!.total);

    // status shows the chunks per table; with every chunk finished, no worker is live.
    const status = JSON.parse((await cli(['--json', 'status'])).stdout).data.backfillWorkers;
    expect(status.workers).toEqual([]);
    expect(status.exited).toBeGreaterThanOrEqual(3);
    expect(status.tables.every((t: { chunks: number; finished: number }) => t.finished === t.chunks)).toBe(true);
    const text = (await cli(['status'])).stdout;
    expect(text).toMatch(/^backfill workers: 0 live \(\d+ exited\); chunks (\d+)\/\1 finished$/m);

    // Nothing left: a new worker is refused.
    const late = await cli(['backfill', 'work']);
    expect(late.code).toBe(6);
    expect(late.stderr).toContain(REFUSAL);
  }, 180_000);
});
