// The governor's options on migrate and rollback: a wrong value is one line and exit 2 before the
// database is opened; a throttle query that fails is one line and exit 2 before any step runs;
// the config file's `backfill` takes the same options (a wrong one is exit 2 too).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchExtra } from '../../src/cli/batch-options.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('govopt');
const cli = (args: string[]) => runCli(['--database-url', db().url, ...args], { timeoutMs: 60_000 });
// Nothing listens there: an option checked before connecting never finds out.
const nowhere = (args: string[]) => runCli(['--database-url', 'postgres://x@127.0.0.1:1/x', ...args], { timeoutMs: 60_000 });

describe('the governor options', () => {
  it('parse into step options; only --no-governor turns it off (else the config decides)', () => {
    expect(batchExtra({ latencyBudget: '2.5', maxReplicaLag: '1.5', throttleQuery: 'select false' })).toEqual({
      latencyBudget: 2.5, maxReplicaLagMs: 1500, throttleQuery: 'select false',
    });
    expect(batchExtra({ governor: true })).toEqual({});
    expect(batchExtra({ governor: false })).toEqual({ governor: false });
  });

  it('a wrong value: exit 2 with one line, before the database is opened, on migrate and rollback', async () => {
    const cases: Array<[string[], string]> = [
      [['--latency-budget', '1'], 'error: --latency-budget must be a ratio above 1 and at most 100 (e.g. 1.5), got "1"\n'],
      [['--latency-budget', 'fast'], 'error: --latency-budget must be a non-negative number, got "fast"\n'],
      [['--max-replica-lag', '-3'], 'error: --max-replica-lag must be a non-negative number, got "-3"\n'],
      [['--throttle-query', ' '], 'error: --throttle-query must not be empty\n'],
    ];
    for (const command of [['migrate', 'phase', '1'], ['rollback', 'phase', '1', '--yes']]) {
      for (const [args, message] of cases) {
        const r = await nowhere([...command, ...args]);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr).toBe(message);
      }
    }
  });

  it('a throttle query that fails: exit 2 with one line before any step runs; --json says USAGE', async () => {
    const r = await cli(['migrate', 'phase', '1', '--throttle-query', 'select hold from ops.nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: --throttle-query failed: relation "ops.nope" does not exist\n');
    const j = await cli(['--json', 'migrate', 'phase', '1', '--throttle-query', "select 'yes'"]);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout).error).toEqual({ code: 'USAGE', message: '--throttle-query failed: it must return a boolean or a number, got "yes"' });
    // A query that writes is refused by its read-only transaction.
    const w = await cli(['migrate', 'phase', '1', '--throttle-query', 'create table t (x int)']);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/^error: --throttle-query failed: cannot execute CREATE TABLE in a read-only transaction\n$/);
    const [steps] = await db().sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.steps`;
    expect(steps!.n).toBe(0);
  });

  it('the config file takes the same options under backfill, checked as strictly', async () => {
    const file = join(tmpdir(), `cortex-gov-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ backfill: { latencyBudget: 0.5 } }));
    const bad = await nowhere(['--config', file, 'migrate', 'phase', '1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: .*backfill\.latencyBudget: /);
    writeFileSync(file, JSON.stringify({ backfill: { governor: false, latencyBudget: 3, batchTargetMs: 200, maxReplicaLagMs: 5000, throttleQuery: 'select nope' } }));
    const q = await cli(['--config', file, 'migrate', 'phase', '1']);
    expect(q.code).toBe(2);
    expect(q.stderr).toBe('error: --throttle-query failed: column "nope" does not exist\n');
  });
});
