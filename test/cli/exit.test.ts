import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// Handles and errors the command does not own, injected by a preloaded module: a listening socket
// (in real life a driver connection stuck reconnecting) and, a second in, an unhandled rejection
// with a connection error (the driver's dropped array-type fetch). Neither may change how the CLI
// ends: it exits with the command's own code, with one warning for each.
const dir = mkdtempSync(join(tmpdir(), 'cortex-exit-'));
const preload = join(dir, 'stray.cjs');
writeFileSync(
  preload,
  `require('node:net').createServer().listen(0, '127.0.0.1');
setTimeout(() => Promise.reject(Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' })), 1000);
`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI exit', () => {
  it('neither a stray open handle nor a driver connection error changes how the CLI ends', async () => {
    const r = await runCli(['migrate', 'phase', '1'], { env: { NODE_OPTIONS: `--require ${preload}` } });
    // The command's own outcome: no database configured, a usage error (exit 2).
    expect(r.code, r.stderr).toBe(2);
    // The injected error fires a second in: on a loaded machine that can be before the command's
    // own error line, so only the last line's place is fixed.
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.slice(0, 2).filter((l) => l.startsWith('error: '))).toHaveLength(1);
    expect(lines.slice(0, 2)).toContain('warning: a database connection closed while it was starting (CONNECTION_CLOSED)');
    expect(lines[2]).toBe('warning: a database connection did not close after the command finished; exiting');
  }, 30_000);
});
