// No password in any output, file or table cortex writes, nor in `ps`, whatever the password
// holds and however the URL is spelled.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { adminUrl, useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('sec');
// `@`, `:` and `/` in one password: URL masking must not stop at the first `@`.
const password = `Se@cr:et/${randomBytes(4).toString('hex')}`;
const role = `cortex_sec_${randomBytes(4).toString('hex')}`;

function roleUrl(): string {
  const u = new URL(db().url);
  u.username = role;
  u.password = encodeURIComponent(password);
  return u.toString();
}

function leaks(text: string): string[] {
  const tail = password.slice(password.indexOf('/') + 1);
  return [password, encodeURIComponent(password), tail, 'cr:et'].filter((s) => text.includes(s));
}

// A plan whose only step fails with a message that quotes the password (as a driver or a
// server error echoing a connection string would).
function leakyPlan(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cortex-leaky-plan-'));
  mkdirSync(join(dir, 'phases', '1-leak'), { recursive: true });
  writeFileSync(join(dir, 'phases', '1-leak', 'phase.json'), JSON.stringify({ name: 'leak', description: 'fails quoting a secret' }));
  const step = join(dir, 'migrations', '1-leak', '001-fail-loudly');
  mkdirSync(step, { recursive: true });
  const literal = password.replace(/'/g, "''");
  writeFileSync(join(step, 'up.sql'), `do $$ begin raise exception 'cannot reach postgres://${role}:${literal}@elsewhere/db (password=${literal})'; end $$;\n`);
  writeFileSync(join(step, 'down.sql'), 'select 1;\n');
  writeFileSync(join(step, 'verify.sql'), "select 'ran' as id, true as ok;\n");
  return dir;
}

describe('secrets', () => {
  beforeAll(async () => {
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    try {
      // CREATE ROLE takes no parameters: the server quotes the statement itself.
      const [q] = await admin<{ q: string }[]>`select format('create role %I login password %L', ${role}::text, ${password}::text) as q`;
      await admin.unsafe(q!.q);
      await admin`alter database ${admin(db().name)} owner to ${admin(role)}`;
    } finally {
      await admin.end();
    }
  });

  afterAll(async () => {
    await db().sql`reassign owned by ${db().sql(role)} to current_user`;
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    try {
      await admin`drop role if exists ${admin(role)}`;
    } finally {
      await admin.end();
    }
  });

  it('diff --from with an upper-case or misspelt scheme never prints the password', async () => {
    const port = await freePort();
    for (const scheme of ['POSTGRESQL', 'postgress', 'Postgres']) {
      const from = `${scheme}://u:${password.replace('/', '%2F')}@127.0.0.1:${port}/db`;
      for (const json of [[], ['--json']]) {
        const r = await runCli([...json, '--database-url', roleUrl(), 'diff', '--from', from]);
        expect(r.code, `${scheme} ${r.stderr}`).not.toBe(0);
        expect(leaks(r.stdout + r.stderr), `${scheme}: ${r.stdout}${r.stderr}`).toEqual([]);
        expect(r.stdout + r.stderr).not.toContain('cannot read snapshot file');
      }
    }
  });

  it('masks a password holding @ in URL errors and in every message', async () => {
    const raw = `postgres://u:${password.replace('/', '')}@127.0.0.1:99999/db`;
    const r = await runCli(['--json', '--database-url', raw, 'status']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toContain('postgres://u:****@127.0.0.1:99999/db');
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
    // Malformed percent-encoding is a usage error; ?password= is the password (libpq's keyword),
    // and a parameter the server refuses is a connection error.
    const encoding = await runCli(['--database-url', `postgres://u:${password.replace('/', '%zz')}@127.0.0.1:5432/db`, 'status']);
    expect(encoding.code, encoding.stderr).toBe(2);
    expect(encoding.stderr).toContain('bad percent-encoding in the password');
    const noPassword = new URL(roleUrl());
    noPassword.password = '';
    const param = await runCli(['--database-url', `${noPassword}?password=${encodeURIComponent(password)}`, 'status']);
    expect(param.code, param.stderr).toBe(0);
    const refused = await runCli(['--database-url', `${roleUrl()}?no_such_setting_cortex=1`, 'status']);
    expect(refused.code, refused.stderr).toBe(3);
    expect(leaks(encoding.stderr + param.stdout + param.stderr + refused.stderr)).toEqual([]);
    const typo = await runCli([`postgres://u:${password.replace('/', '')}@h/db`]);
    expect(typo.code).toBe(2);
    expect(leaks(typo.stdout + typo.stderr)).toEqual([]);
  });

  it('a failing step that quotes the password leaves it in no output, report or table', async () => {
    const plan = leakyPlan();
    const reports = mkdtempSync(join(tmpdir(), 'cortex-leaky-reports-'));
    const args = ['--plan', plan, '--reports-dir', reports, 'migrate', 'phase', '1'];
    const text = await runCli(args, { env: { DATABASE_URL: roleUrl() } });
    expect(text.code, text.stderr).toBe(7);
    expect(text.stderr).toContain('****');
    const json = await runCli(['--json', ...args], { env: { DATABASE_URL: roleUrl() } });
    expect(json.code).toBe(7);
    expect(JSON.parse(json.stdout).error.code).toBe('STEP_FAILED');
    const files = readdirSync(reports).map((f) => readFileSync(join(reports, f), 'utf8'));
    expect(files.length).toBeGreaterThan(0);
    const [stored] = await db().sql<{ t: string }[]>`
      select concat_ws(' ', (select string_agg(r::text, ' ') from cortex_migration.reports r),
                            (select string_agg(s::text, ' ') from cortex_migration.steps s),
                            (select string_agg(e::text, ' ') from cortex_migration.events e)) as t`;
    expect(stored!.t).toContain(`cannot reach postgres://${role}:****@elsewhere`);
    expect(leaks([text.stdout, text.stderr, json.stdout, json.stderr, ...files, stored!.t].join('\n'))).toEqual([]);
  });

  it('ps shows the command with the password masked', async () => {
    // A server that accepts and never answers keeps the CLI waiting in its connect.
    const sockets: Socket[] = [];
    let connected!: () => void;
    const accepted = new Promise<void>((r) => (connected = r));
    const server = createServer((s) => {
      sockets.push(s);
      connected();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const child = spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', `postgres://u:${encodeURIComponent(password)}@127.0.0.1:${port}/db`, 'status'], {
      stdio: 'ignore',
      env: { ...process.env, DATABASE_URL: '', PGPASSWORD: '' },
    });
    try {
      await accepted;
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const ps = execFileSync('ps', ['-o', 'args=', '-p', String(child.pid)], { encoding: 'utf8' });
      expect(cmdline).toContain('cortex --database-url postgres://u:****@127.0.0.1');
      expect(ps).toContain('status');
      expect(leaks(cmdline + ps)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});
