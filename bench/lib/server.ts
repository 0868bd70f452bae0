import postgres from 'postgres';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

/** The PostgreSQL server a benchmark run uses, and its databases. */
export interface BenchServer {
  version: string;
  description: string;
  admin: postgres.Sql;
  url(db: string): string;
  create(db: string, template?: string): Promise<string>;
  drop(db: string): Promise<void>;
  /** Flush dirty buffers now, so a measurement does not start with someone else's checkpoint. */
  checkpoint(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `adminUrl` when given (any server we may create databases on), else an embedded PostgreSQL in a
 * temp directory with durable defaults (fsync and synchronous_commit on, as in production).
 */
export async function benchServer(adminUrl?: string): Promise<BenchServer> {
  const embedded = adminUrl
    ? undefined
    : await startEmbeddedPostgres({
        durable: true,
        settings: { shared_buffers: '1GB', maintenance_work_mem: '256MB', max_wal_size: '8GB', checkpoint_timeout: '15min' },
      });
  const base = adminUrl ?? embedded!.url;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  const [v] = await admin<{ v: string }[]>`select current_setting('server_version') as v`;
  const url = (db: string) => {
    const u = new URL(base);
    u.pathname = `/${db}`;
    return u.toString();
  };
  const drop = async (db: string) => {
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${db} and pid <> pg_backend_pid()`;
    await admin`drop database if exists ${admin(db)}`;
  };
  return {
    version: v!.v,
    description: embedded ? `embedded PostgreSQL ${v!.v}, durable (fsync on), shared_buffers 1GB` : `PostgreSQL ${v!.v} at the given URL`,
    admin,
    url,
    async create(db, template) {
      await drop(db);
      await (template ? admin`create database ${admin(db)} template ${admin(template)}` : admin`create database ${admin(db)}`);
      return url(db);
    },
    drop,
    async checkpoint() {
      await admin`checkpoint`;
    },
    async stop() {
      await admin.end({ timeout: 5 });
      await embedded?.stop();
    },
  };
}
