import { describe, expect, it } from 'vitest';
import { describeChange, describeChangeLines } from '../../src/schema/diff.js';
import { qualify, quoteIdent, splitName } from '../../src/schema/names.js';
import { formatPrivileges, formatRoles } from '../../src/schema/privileges.js';
import { unifiedDiff } from '../../src/schema/text-diff.js';

describe('names', () => {
  it('quotes identifiers as quote_ident does, with PostgreSQL 17 keywords on every server', () => {
    expect(quoteIdent('users')).toBe('users');
    expect(quoteIdent('_a1$')).toBe('_a1$');
    expect(quoteIdent('x.y')).toBe('"x.y"');
    expect(quoteIdent('Name')).toBe('"Name"');
    expect(quoteIdent('1st')).toBe('"1st"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteIdent('timestamp')).toBe('"timestamp"');
    expect(quoteIdent('json')).toBe('"json"'); // reserved from PostgreSQL 16 on
    expect(quoteIdent('name')).toBe('name'); // unreserved keyword
  });

  it('"x.y".z and x."y.z" are different names, and split back to their identifiers', () => {
    expect(qualify('x.y', 'z')).toBe('"x.y".z');
    expect(qualify('x', 'y.z')).toBe('x."y.z"');
    expect(splitName('"x.y".z')).toEqual(['x.y', 'z']);
    expect(splitName('x."y.z"')).toEqual(['x', 'y.z']);
    expect(splitName('s."a""b".c')).toEqual(['s', 'a"b', 'c']);
    expect(splitName('s.f(a s.t, b integer)')).toEqual(['s', 'f(a s.t, b integer)']);
  });
});

describe('privileges', () => {
  it('are one string whatever the order of grantees and privileges', () => {
    const one = formatPrivileges([['reader', 'UPDATE', false], [null, 'SELECT', false], ['reader', 'SELECT', true]]);
    const two = formatPrivileges([['reader', 'SELECT', true], ['reader', 'UPDATE', false], [null, 'SELECT', false]]);
    expect(one).toBe('PUBLIC: SELECT; reader: SELECT*, UPDATE');
    expect(two).toBe(one);
    expect(formatPrivileges([['Ops Team', 'USAGE', false]])).toBe('"Ops Team": USAGE');
    expect(formatPrivileges(null)).toBeNull();
    expect(formatRoles(['b', null, 'a'])).toBe('PUBLIC, a, b');
  });
});

describe('text diff', () => {
  it('is a unified diff with context and hunk headers', () => {
    const from = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].join('\n');
    const to = ['a', 'b', 'c', 'D', 'e', 'f', 'g', 'h', 'i', 'j'].join('\n');
    expect(unifiedDiff(from, to, 1)).toEqual(['@@ -3,3 +3,3 @@', ' c', '-d', '+D', ' e', '@@ -9,1 +9,2 @@', ' i', '+j']);
    expect(unifiedDiff(from, from)).toEqual([]);
    expect(unifiedDiff('', 'x')).toEqual(['@@ -0,0 +1,1 @@', '+x']);
  });

  it('shows a changed definition as a diff in the terminal and as line counts in one line', () => {
    const c = { op: '~' as const, kind: 'view' as const, schema: 's', name: 's.v', attrs: [{ attr: 'query', from: ' SELECT id\n   FROM s.t;', to: ' SELECT id\n   FROM s.u;' }] };
    expect(describeChange(c)).toBe('~ view s.v: query changed (-1 +1 lines)');
    expect(describeChangeLines(c)).toEqual([
      '~ view s.v: query changed (-1 +1 lines)',
      '    --- query (from)',
      '    +++ query (to)',
      '    @@ -1,2 +1,2 @@',
      '      SELECT id',
      '    -   FROM s.t;',
      '    +   FROM s.u;',
    ]);
    const short = { ...c, kind: 'table' as const, attrs: [{ attr: 'row_security', from: false, to: true }] };
    expect(describeChangeLines(short)).toEqual(['~ table s.v: row_security false → true']);
  });
});
