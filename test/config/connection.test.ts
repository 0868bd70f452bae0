import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl, resolveConnection } from '../../src/config/connection.js';
import { maskUrl, redact } from '../../src/config/secrets.js';
import { CortexError } from '../../src/errors.js';

describe('resolveConnection', () => {
  it('prefers --database-url over DATABASE_URL over PG*', () => {
    const env = { DATABASE_URL: 'postgres://a@envhost/envdb', PGHOST: 'pghost', PGDATABASE: 'pgdb' };
    expect(resolveConnection('postgres://u@opthost/optdb', env).host).toBe('opthost');
    expect(resolveConnection(undefined, env).host).toBe('envhost');
    const { DATABASE_URL: _, ...pgOnly } = env;
    const t = resolveConnection(undefined, pgOnly);
    expect([t.host, t.database, t.source]).toEqual(['pghost', 'pgdb', 'PG*']);
  });

  it('builds a URL from PG* variables with defaults and encoded password', () => {
    const t = resolveConnection(undefined, { PGUSER: 'dba', PGPASSWORD: 'p@ss/w:rd', PGPORT: '6543', PGPASSFILE: '/nonexistent' });
    expect([t.host, t.port, t.user, t.database]).toEqual(['localhost', 6543, 'dba', 'dba']);
    expect(new URL(t.url).password).toBe(encodeURIComponent('p@ss/w:rd'));
    expect(t.display).not.toContain('p@ss');
  });

  it('is a usage error (exit 2) when nothing is configured', () => {
    try {
      resolveConnection(undefined, {});
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CortexError);
      expect((err as CortexError).exitCode).toBe(2);
    }
  });

  it.each([
    ['not a url at all', 'missing "=" after "not"'],
    ['mysql://u:p@h/db', 'unsupported scheme'],
    ['postgres://u:p@h:99999/db', 'bad port "99999"'],
    ['postgres://u:p@h1,h2,h3/db?port=1,2', '2 ports for 3 hosts'],
    ['postgres://u:p@/db?host=/tmp,h2', 'cannot be one of several hosts'],
    ['postgres://u:p@h/db?sslmode=sometimes', 'bad sslmode'],
    ['postgres://u:p@h/db?sslcert=/c.pem', 'sslcert: not supported'],
    ["host=h dbname='unterminated", 'unterminated quoted value'],
  ])('rejects %s with exit 2', (url, why) => {
    try {
      parseDatabaseUrl(url, 'option');
      expect.unreachable();
    } catch (err) {
      expect((err as CortexError).exitCode).toBe(2);
      expect((err as CortexError).message).toContain(why);
    }
  });

  it('an empty host is the default host, as in libpq', () => {
    expect(parseDatabaseUrl('postgres://u:p@:5432/db', 'option', {}).host).toBe('localhost');
  });

  it('never includes the password in error messages', () => {
    try {
      parseDatabaseUrl('mysql://user:hunter2@h/db', 'option');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });
});

describe('masking', () => {
  it('masks URL passwords and password= pairs', () => {
    expect(maskUrl('postgres://bob:s3cret@db:5432/x')).toBe('postgres://bob:****@db:5432/x');
    expect(maskUrl('host=db password=s3cret user=bob')).toBe('host=db password=**** user=bob');
    expect(maskUrl('postgres://bob@db/x')).toBe('postgres://bob@db/x');
  });

  it('redacts a known secret wherever a driver echoes it', () => {
    expect(redact('auth failed for s3cretpw', ['s3cretpw'])).toBe('auth failed for ****');
  });
});
