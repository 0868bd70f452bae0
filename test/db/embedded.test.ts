import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';

describe('embedded PostgreSQL', () => {
  it('leaves the exit code of its process alone (a failed test run or demo must not exit 0)', async () => {
    // A process that starts and stops a server, then ends with exit code 3 set.
    const script = `
      const { startEmbeddedPostgres } = await import(${JSON.stringify(packagePath('dist', 'src', 'db', 'embedded.js'))});
      const server = await startEmbeddedPostgres();
      await server.stop();
      process.exitCode = 3;`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code, stderr).toBe(3);
    expect(stderr).not.toContain('TypeError');
  });
});
