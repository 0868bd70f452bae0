import { describe, expect, it } from 'vitest';
import { maskUrl, rememberSecret, scrub, scrubDeep } from '../../src/config/secrets.js';

describe('maskUrl', () => {
  it.each([
    ['postgres://bob:s3cret@db:5432/x', 'postgres://bob:****@db:5432/x'],
    ['POSTGRESQL://bob:s3cret@db/x', 'POSTGRESQL://bob:****@db/x'],
    ['postgress://bob:s3cret@db/x', 'postgress://bob:****@db/x'],
    ['mysql://bob:s3cret@db/x', 'mysql://bob:****@db/x'],
    ['postgres://bob:p@ss@127.0.0.1:5432/x', 'postgres://bob:****@127.0.0.1:5432/x'],
    ['postgres://bob:p@s:s/w@rd@h/x', 'postgres://bob:****@h/x'],
    ['postgres://bob:s3cret@[::1]:5432/x', 'postgres://bob:****@[::1]:5432/x'],
    ['postgres://bob@db:5432/x', 'postgres://bob@db:5432/x'],
    ['postgres://[::1]:5432/x', 'postgres://[::1]:5432/x'],
    ['plan directory /tmp/postgres:/bob:s3cret@h/db does not exist', 'plan directory /tmp/postgres:/bob:****@h/db does not exist'],
    ["cannot read 'postgres://bob:s3cret@db/x' (ENOENT)", "cannot read 'postgres://bob:****@db/x' (ENOENT)"],
    ['host=db password=s3cret user=bob', 'host=db password=**** user=bob'],
    ["host=db password='s3 cret' user=bob", 'host=db password=**** user=bob'],
    ['postgres://db/x?user=bob&password=s3cret&sslmode=require', 'postgres://db/x?user=bob&password=****&sslmode=require'],
  ])('%s', (input, masked) => {
    expect(maskUrl(input)).toBe(masked);
  });
});

describe('scrub', () => {
  it('removes a remembered password anywhere, raw and percent-encoded', () => {
    rememberSecret('p@ss:w/rd-9Zq');
    expect(scrub('auth failed: p@ss:w/rd-9Zq was refused')).toBe('auth failed: **** was refused');
    expect(scrub('url postgres://u:p%40ss%3Aw%2Frd-9Zq@h/db')).not.toContain('9Zq');
    expect(scrub('oddly quoted "p@ss:w/rd-9Zq"')).toBe('oddly quoted "****"');
  });

  it('scrubs every string of a nested value, leaving other values alone', () => {
    rememberSecret('hunter22');
    const out = scrubDeep({ a: ['x hunter22 y', 3], b: { c: 'postgres://u:zz@h/d', d: null, e: true } });
    expect(out).toEqual({ a: ['x **** y', 3], b: { c: 'postgres://u:****@h/d', d: null, e: true } });
  });
});
