// `cortex status` reached the libpq ways: a Unix socket in /tmp (PGHOST, %2F, ?host=), a password
// from .pgpass, a service, a multi-host list, ?password=; and pg_dump over the socket. The test
// starts its own server, since the shared one's socket is not in /tmp.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/connection.js';
import { dumpSchemas } from '../../src/db/backup.js';
import { type EmbeddedServer, freePort, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { runCli } from '../helpers/cli.js';

// `@`, `:` and `/` in the password: each spelling must carry it intact and print none of it.
const password = `Pw@x:${randomBytes(4).toString('hex')}/z`;
const dir = mkdtempSync(join(tmpdir(), 'cortex-libpq-cli-'));
let server: EmbeddedServer;

function pgpass(line: string): string {
  const path = join(dir, `pgpass-${randomBytes(3).toString('hex')}`);
  writeFileSync(path, `${line}\n`);
  chmodSync(path, 0o600);
  return path;
}

const escaped = () => password.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
const noPgpass = () => ({ PGPASSFILE: join(dir, 'none') });

function expectStatusOk(r: { code: number | null; stdout: string; stderr: string }): void {
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('phase 1');
  expect(r.stdout + r.stderr).not.toContain(password);
  expect(r.stdout + r.stderr).not.toContain(encodeURIComponent(password));
}

describe('libpq connections', () => {
  beforeAll(async () => {
    // Listening on 127.0.0.1 and on a socket in /tmp (its port makes the socket's name unique).
    server = await startEmbeddedPostgres({ password, settings: { unix_socket_directories: '/tmp' } });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('PGHOST=/tmp PGPORT=<port> works, the password coming from .pgpass (PGPASSFILE)', async () => {
    expect(existsSync(`/tmp/.s.PGSQL.${server.port}`)).toBe(true);
    const env = { PGHOST: '/tmp', PGPORT: String(server.port), PGUSER: 'postgres' };
    expectStatusOk(await runCli(['status'], { env: { ...env, PGPASSFILE: pgpass(`/tmp:${server.port}:*:postgres:${escaped()}`) } }));
    // Without the entry the server refuses: the password did come from the file.
    const refused = await runCli(['status'], { env: { ...env, ...noPgpass() } });
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toContain(`/tmp/.s.PGSQL.${server.port}`);
  });

  it('the socket written %2Ftmp in the URL, or as ?host=/tmp', async () => {
    const pw = encodeURIComponent(password);
    for (const url of [`postgres://postgres:${pw}@%2Ftmp:${server.port}/postgres`, `postgres://postgres:${pw}@/postgres?host=/tmp&port=${server.port}`]) {
      expectStatusOk(await runCli(['--database-url', url, 'status'], { env: noPgpass() }));
    }
  });

  it('?password= is the password, not a server setting, and is never printed', async () => {
    const url = `postgres://postgres@127.0.0.1:${server.port}/postgres?password=${encodeURIComponent(password)}`;
    expectStatusOk(await runCli(['--database-url', url, 'status'], { env: noPgpass() }));
    const json = await runCli(['--json', '--database-url', url.replace('/postgres?', '/no_such_db?'), 'status'], { env: noPgpass() });
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).error.code).toBe('CONNECTION');
    expect(json.stdout + json.stderr).not.toContain(password.slice(0, 5));
  });

  it('a multi-host list: a host that refuses is skipped for the next', async () => {
    const dead = await freePort();
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${dead},127.0.0.1:${server.port}/postgres`;
    expectStatusOk(await runCli(['--database-url', url, 'status'], { env: noPgpass() }));
    // postgres.js alone would retry the list forever (porsager/postgres#1174): exit 3 in time.
    const allDead = await runCli(['--database-url', `${url.replace(`:${server.port}/`, `:${dead}/`)}?connect_timeout=2`, 'status'], { env: noPgpass(), timeoutMs: 30_000 });
    expect(allDead.code, allDead.stderr).toBe(3);
    expect(allDead.stderr).toContain(`127.0.0.1:${dead},127.0.0.1:${dead}`);
  });

  it('PGSERVICE with PGSERVICEFILE, its password from .pgpass', async () => {
    const services = join(dir, 'pg_service.conf');
    writeFileSync(services, `[cortexdb]\nhost=/tmp\nport=${server.port}\nuser=postgres\ndbname=postgres\n`);
    const env = { PGSERVICE: 'cortexdb', PGSERVICEFILE: services, PGPASSFILE: pgpass(`*:*:*:postgres:${escaped()}`) };
    expectStatusOk(await runCli(['status'], { env }));
    const missing = await runCli(['status'], { env: { ...env, PGSERVICE: 'nosuchservice' } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('definition of service "nosuchservice" not found');
  });

  it('pg_dump reaches the server over the socket with the password from .pgpass', async () => {
    const env = { PGPASSFILE: pgpass(`/tmp:${server.port}:postgres:postgres:${escaped()}`) };
    const target = parseDatabaseUrl(`postgres://postgres@%2Ftmp:${server.port}/postgres`, 'option', env);
    // pg_dump refuses a newer server only after it has connected and authenticated: both outcomes
    // prove it was given the socket and the password (a missing one is "password authentication failed").
    const outcome = await dumpSchemas(target, ['public'], join(dir, 'dumps')).then(
      (file) => (existsSync(file) ? 'dumped' : 'no file'),
      (err: Error) => err.message,
    );
    expect(outcome).toMatch(/^dumped$|server version mismatch/);
    expect(outcome).not.toContain(password);
  });

  it('pg_dump is given the sslmode: require fails against this server, which has no TLS', async () => {
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${server.port}/postgres?sslmode=require`;
    const err = await dumpSchemas(parseDatabaseUrl(url, 'option', {}), ['public'], join(dir, 'dumps')).catch((e: Error) => e);
    expect(String((err as Error).message)).toMatch(/SSL/);
    expect(String((err as Error).message)).not.toContain(password);
  });
});
