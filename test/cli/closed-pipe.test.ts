import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { useFreshDatabase } from '../helpers/db.js';

interface Closed {
  code: number | null;
  stderr: string;
  read: number;
}

// `cortex … | head -1`: the reader takes the first chunk and goes away, with most of the output
// still to be written (it is several times a pipe's 64 KiB buffer, so the write cannot finish).
function runIntoClosedPipe(args: string[]): Promise<Closed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [packagePath('bin', 'cortex'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    let stderr = '';
    let read = 0;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', (d: Buffer) => {
      read = d.length;
      child.stdout.destroy();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, read }));
  });
}

describe('a closed stdout', () => {
  const db = useFreshDatabase('pipe');
  beforeAll(async () => {
    await loadLegacyFixture(db().sql, { scale: 0.001, seed: 1, dirty: false, replace: false });
    // More tables, so the snapshot is far larger than what the pipe holds.
    await db().sql.unsafe(`create schema wide;
      do $$ begin for i in 1..150 loop
        execute format('create table wide.t%s (id bigint primary key, name text not null, at timestamptz default now())', i);
      end loop; end $$;`);
  });

  it.each([[['snapshot']], [['plan', 'phase', '3']]])('cortex %j | head -1: exit 0, nothing on stderr, no stack trace', async (args) => {
    const r = await runIntoClosedPipe(['--database-url', db().url, ...args]);
    expect(r.read).toBeGreaterThan(0);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
