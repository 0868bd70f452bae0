import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';

const dataDir = (out: string) => /\(data in ([^)]+)\)/.exec(out)?.[1];

// Command lines of running processes that mention `dir` (a postgres left behind would).
function processesUsing(dir: string): string[] {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(dir));
}

describe('cortex demo', () => {
  it('runs phases 1–6 on its own embedded PostgreSQL, every phase passed, and removes it', async () => {
    const reports = mkdtempSync(join(tmpdir(), 'cortex-demo-reports-'));
    const r = await runCli(['--reports-dir', reports, 'demo', '--scale', '0.05']);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(0);
    for (const n of [1, 2, 3, 4, 5, 6]) expect(out).toMatch(new RegExp(`phase ${n} [a-z-]+ … passed`));
    expect(out).toContain('demo passed');
    expect(out).toMatch(/application writes\s+\d+ during phases 3–5, 0 failed/);
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
    expect(out).not.toMatch(/postgres:\/\/postgres:[^*@]+@/); // password masked
    const dir = dataDir(out);
    expect(dir).toBeTruthy();
    expect(existsSync(dir!)).toBe(false);
    expect(processesUsing(dir!)).toEqual([]);
    expect(existsSync(join(reports))).toBe(true);
  });

  it('Ctrl-C mid-run leaves no PostgreSQL process and no temp directory', async () => {
    const child = spawn(process.execPath, [packagePath('bin', 'cortex'), 'demo', '--scale', '0.5'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, as a terminal's Ctrl-C signals the whole group
    });
    let out = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        out += d;
        if (out.includes('the application starts writing')) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void exited.then(() => reject(new Error(`demo ended before phase 3:\n${out}`)));
    });
    const dir = dataDir(out)!;
    expect(existsSync(dir)).toBe(true);
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    expect(code, out).toBe(130);
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(dir)).toBe(false);
    expect(processesUsing(dir)).toEqual([]);
  });
});
