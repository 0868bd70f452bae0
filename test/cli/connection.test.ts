import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { runCli } from '../helpers/cli.js';
import { adminUrl } from '../helpers/db.js';

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

describe('CLI connection handling', () => {
  it('exits 2 with one line when no database is configured', async () => {
    const r = await runCli(['fixtures', 'load']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no database configured');
  });

  it('exits 2 for a malformed URL', async () => {
    const r = await runCli(['--database-url', 'http://u:topsecret@h/db', 'fixtures', 'load']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('topsecret');
  });

  it('exits 3 when the server is unreachable, without a stack trace', async () => {
    const port = await freePort();
    const r = await runCli(['--database-url', `postgres://u:topsecret@127.0.0.1:${port}/db`, 'fixtures', 'load']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot connect/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr + r.stdout).not.toContain('topsecret');
  });

  it('exits 3 on a wrong password and never prints it', async () => {
    const url = withPassword(adminUrl(), 'wrong-Pa55word');
    const r = await runCli(['--json', '--database-url', url, 'fixtures', 'load']);
    // The test servers (embedded, and CI's Debian cluster) use password authentication.
    expect(r.code).toBe(3);
    const env = JSON.parse(r.stdout);
    expect(env).toMatchObject({ ok: false, command: 'fixtures load', data: null, error: { code: 'CONNECTION' } });
    expect(r.stdout + r.stderr).not.toContain('wrong-Pa55word');
  });

  it('exits 3 for an unknown database, via DATABASE_URL', async () => {
    const u = new URL(adminUrl());
    u.pathname = '/no_such_db_cortex';
    const r = await runCli(['fixtures', 'load'], { env: { DATABASE_URL: u.toString() } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no_such_db_cortex');
    if (u.password) expect(r.stderr).not.toContain(decodeURIComponent(u.password));
  });

  it('exits 3 for an unknown role', async () => {
    const u = new URL(adminUrl());
    u.username = 'no_such_role_cortex';
    const r = await runCli(['status'], { env: { DATABASE_URL: u.toString() } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no_such_role_cortex');
  });

  it('exits 2 for an unknown command or option', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['fixtures', 'load', '--bogus'])).code).toBe(2);
  });

  it('--help exits 0 and lists the global options', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--database-url');
    expect(r.stdout).toContain('--json');
  });
});
