// libpq's conventions without a server: the two string forms, the service file, .pgpass, and
// what pg_dump is given. Connecting with them is test/cli/libpq-connection.test.ts.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl, resolveConnection } from '../../src/config/connection.js';
import { scrub } from '../../src/config/secrets.js';
import { libpqEnv } from '../../src/db/backup.js';
import { CortexError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'cortex-libpq-'));
const none = join(dir, 'no-such-file');

function file(name: string, text: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

const parse = (s: string, env: NodeJS.ProcessEnv = { PGPASSFILE: none }) => parseDatabaseUrl(s, 'option', env, () => {});

describe('connection strings', () => {
  it('reads a socket directory written %2F in the host, or as ?host=', () => {
    for (const s of ['postgres://u@%2Ftmp:6000/db', 'postgres://u@/db?host=/tmp&port=6000', 'postgres://u@/db?host=%2Ftmp&port=6000']) {
      const t = parse(s);
      expect([t.host, t.port, t.database, t.user], s).toEqual(['/tmp', 6000, 'db', 'u']);
      expect(t.settings, s).toEqual({});
    }
  });

  it('keeps every host of a multi-host URL, each with its port or the one given', () => {
    expect(parse('postgres://u@h1:5433,[::1]:5434,h3/db').hosts).toEqual([
      { host: 'h1', port: 5433 },
      { host: '::1', port: 5434 },
      { host: 'h3', port: 5432 },
    ]);
    expect(parse('postgres://u@/db?host=a,b&port=7000').hosts).toEqual([{ host: 'a', port: 7000 }, { host: 'b', port: 7000 }]);
    expect(parse('postgres://u@h1,h2/db?target_session_attrs=read-write').targetSessionAttrs).toBe('read-write');
  });

  it('takes ?password=, ?user=, ?dbname= as libpq keywords, not server settings, and never shows the password', () => {
    const t = parse('postgres://h/x?password=Pa55%40word&user=v&dbname=d&search_path=app');
    expect([t.password, t.user, t.database]).toEqual(['Pa55@word', 'v', 'd']);
    expect(t.settings).toEqual({ search_path: 'app' });
    expect(t.display).not.toContain('Pa55');
    expect(scrub(`echoed: Pa55@word and ${t.url}`)).not.toContain('Pa55');
  });

  it('reads libpq keyword=value strings, quoted values included', () => {
    const t = parse("host=/var/run/postgresql port=5433 dbname='my db' user=dba password='it\\'s' options='-c x=1'");
    expect([t.host, t.port, t.database, t.user, t.password]).toEqual(['/var/run/postgresql', 5433, 'my db', 'dba', "it's"]);
    expect(t.settings).toEqual({ options: '-c x=1' });
  });

  it('lets the string win over PG* variables, which fill what it leaves out', () => {
    const t = parse('postgres:///db', { PGHOST: '/tmp', PGPORT: '6001', PGUSER: 'envuser', PGPASSFILE: none });
    expect([t.host, t.port, t.user, t.database]).toEqual(['/tmp', 6001, 'envuser', 'db']);
    expect(parse('postgres://u@h/db', { PGHOST: 'other', PGPASSFILE: none }).host).toBe('h');
  });

  it('maps sslmode, and sslrootcert=system to verify-full; PGSSLMODE fills it', () => {
    expect(parse('postgres://u@h/db?sslmode=require').sslmode).toBe('require');
    expect(parse('postgres://u@h/db?ssl=true').sslmode).toBe('require');
    expect(parse('postgres://u@h/db?sslrootcert=system').sslmode).toBe('verify-full');
    expect(parse('postgres://u@h/db', { PGSSLMODE: 'verify-ca', PGPASSFILE: none }).sslmode).toBe('verify-ca');
  });
});

describe('service file', () => {
  const services = file('pg_service.conf', '# comment\n[other]\nhost=wrong\n\n[billing]\nhost = /tmp\nport=6100\ndbname=bill\nuser=svc\n');

  it('PGSERVICE alone is a connection, from PGSERVICEFILE', () => {
    const t = resolveConnection(undefined, { PGSERVICE: 'billing', PGSERVICEFILE: services, PGPASSFILE: none }, () => {});
    expect([t.host, t.port, t.database, t.user, t.source]).toEqual(['/tmp', 6100, 'bill', 'svc', 'PG*']);
  });

  it('?service= in a URL: the URL wins over the service, the service over PG* variables', () => {
    const t = parse('postgres://me@/db?service=billing', { PGSERVICEFILE: services, PGPORT: '9999', PGPASSFILE: none });
    expect([t.host, t.port, t.database, t.user]).toEqual(['/tmp', 6100, 'db', 'me']);
  });

  it('falls back to PGSYSCONFDIR/pg_service.conf, then names what it looked in', () => {
    const sysconf = mkdtempSync(join(tmpdir(), 'cortex-sysconf-'));
    writeFileSync(join(sysconf, 'pg_service.conf'), '[sys]\nhost=syshost\n');
    expect(parse('service=sys', { PGSERVICEFILE: services, PGSYSCONFDIR: sysconf, PGPASSFILE: none }).host).toBe('syshost');
    const missing = () => resolveConnection(undefined, { PGSERVICE: 'nope', PGSERVICEFILE: services }, () => {});
    expect(missing).toThrow(CortexError);
    expect(missing).toThrow(/definition of service "nope" not found/);
  });
});

describe('.pgpass', () => {
  const pgpass = file('pgpass', ['# comment', 'other:*:*:*:wrong', '/tmp:6200:*:app:sock\\:pw', 'h:*:db:app:tcp\\\\pw', '*:*:*:*:fallback', ''].join('\n'));

  it('supplies the password of the first matching line, with \\: and \\\\ unescaped', () => {
    expect(parse('postgres://app@%2Ftmp:6200/any', { PGPASSFILE: pgpass }).password).toBe('sock:pw');
    expect(parse('postgres://app@h/db', { PGPASSFILE: pgpass }).password).toBe('tcp\\pw');
    expect(parse('postgres://x@y/z', { PGPASSFILE: pgpass }).password).toBe('fallback');
  });

  it('is not read when a password is given, and passfile= names another file', () => {
    expect(parse('postgres://app:given@h/db', { PGPASSFILE: pgpass }).password).toBe('given');
    expect(parse('postgres://app@h/db', { PGPASSFILE: pgpass, PGPASSWORD: 'env' }).password).toBe('env');
    expect(parse(`postgres://app@h/db?passfile=${encodeURIComponent(none)}`, { PGPASSFILE: pgpass }).password).toBeUndefined();
  });

  it('a file others can read is ignored, with libpq\'s warning', () => {
    const open = file('pgpass-open', '*:*:*:*:leaky\n', 0o644);
    const warnings: string[] = [];
    const t = parseDatabaseUrl('postgres://u@h/db', 'option', { PGPASSFILE: open }, (m) => warnings.push(m));
    expect(t.password).toBeUndefined();
    expect(warnings.join()).toContain('has group or world access');
  });

  it('tries each host of a list in turn', () => {
    const file2 = file('pgpass-hosts', 'h2:5432:*:*:second\n');
    expect(parse('postgres://u@h1,h2/db', { PGPASSFILE: file2 }).password).toBe('second');
  });
});

describe('pg_dump environment', () => {
  it('gives pg_dump the resolved target: hosts, ports, sslmode, password; drops PGSERVICE', () => {
    const t = parse('postgres://u:pw%2F1@h1:5433,h2:5434/db?sslmode=require&target_session_attrs=primary&options=-c%20a%3D1');
    const env = libpqEnv(t, { PATH: '/bin', PGSERVICE: 'elsewhere', PGHOSTADDR: '10.0.0.1', PGPASSWORD: 'stale' });
    expect(env).toMatchObject({
      PATH: '/bin',
      PGHOST: 'h1,h2',
      PGPORT: '5433,5434',
      PGDATABASE: 'db',
      PGUSER: 'u',
      PGPASSWORD: 'pw/1',
      PGSSLMODE: 'require',
      PGTARGETSESSIONATTRS: 'primary',
      PGOPTIONS: '-c a=1',
    });
    expect(env.PGSERVICE).toBeUndefined();
    expect(env.PGHOSTADDR).toBeUndefined();
  });

  it('without sslmode, pg_dump uses no TLS either (as cortex\'s own connections), and a socket as PGHOST', () => {
    const env = libpqEnv(parse('postgres://u@%2Ftmp:6300/db'), {});
    expect([env.PGHOST, env.PGPORT, env.PGSSLMODE, env.PGPASSWORD]).toEqual(['/tmp', '6300', 'disable', undefined]);
  });
});
