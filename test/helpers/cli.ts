import { spawn } from 'node:child_process';
import { packagePath } from '../../src/paths.js';

/** Outcome of one CLI process. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const CONNECTION_VARS = [
  'DATABASE_URL', 'PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE', 'PGSSLMODE', 'PGSERVICE', 'PGSERVICEFILE',
  'PGSYSCONFDIR', 'PGPASSFILE', 'PGOPTIONS', 'PGCONNECT_TIMEOUT', 'PGTARGETSESSIONATTRS', 'PGSSLROOTCERT',
];

/**
 * Run the built CLI (`bin/cortex`) as a user would. Connection variables of the test runner are
 * removed so each test states exactly what it passes. `timeoutMs`: kill it (SIGKILL) after that
 * long, so a CLI that hangs fails its test (code null) instead of outliving it.
 */
export function runCli(args: string[], opts: { env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  for (const k of CONNECTION_VARS) delete env[k];
  Object.assign(env, opts.env ?? {});
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [packagePath('bin', 'cortex'), ...args], {
      env: env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}
