// The generated SQL is committed: what the generator makes from the specs now is what the files hold,
// and what PostgreSQL runs is what the files hold.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles, staleFiles } from '../../src/generate/generate.js';
import { dependentsOf } from '../../src/generate/spec.js';
import { ident, literal } from '../../src/generate/sql.js';
import { packageRoot } from '../../src/paths.js';
import { OUTPUTS, TABLES } from '../../phases/tables/index.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';

const db = useFreshDatabase('gen');

// Function bodies of the generated files: name → body between the dollar quotes.
function committedBodies(): Map<string, string> {
  const bodies = new Map<string, string>();
  for (const f of generatedFiles(TABLES, OUTPUTS).filter((g) => g.path.includes('/up/'))) {
    const text = readFileSync(join(packageRoot, f.path), 'utf8');
    const re = /create (?:or replace )?function cortex_migration\.(\w+)\([^)]*\)[^$]*?(\$\w*\$)([\s\S]*?)\2/g;
    for (const m of text.matchAll(re)) bodies.set(m[1]!, m[3]!);
  }
  return bodies;
}

// Every .sql file under a folder.
function sqlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.sql'))
    .map((e) => join(e.parentPath, e.name));
}

describe('generated SQL', () => {
  it('the committed files are what `npm run generate` makes from the specs now', () => {
    expect(staleFiles(packageRoot, TABLES, OUTPUTS), 'run `npm run generate` and commit the result').toEqual([]);
  });

  it('quotes identifiers and literals as PostgreSQL does', async () => {
    // (Keywords new in a later major, like json_table in 17, are quoted whatever the server.)
    const names = ['tasks', 'user', 'order', 'position', 'Mixed', 'with space', 'a"b', '_x1', 'role', 'status'];
    const rows = await db().sql<{ n: string; i: string; l: string }[]>`
      select n, quote_ident(n) as i, quote_literal(n || ' it''s \\ ok') as l from unnest(${names}::text[]) n`;
    for (const r of rows) {
      expect(ident(r.n)).toBe(r.i);
      expect(literal(`${r.n} it's \\ ok`)).toBe(r.l);
    }
  });

  it('every function installed per mapped table has its body, word for word, in a committed file', async () => {
    await loadLegacyFixture(db().sql, { scale: 0.02, seed: 4, dirty: false, replace: false });
    for (const n of [1, 2, 3, 4]) expect((await runCli(['--database-url', db().url, 'migrate', 'phase', String(n)])).code).toBe(0);
    const installed = await db().sql<{ name: string; body: string }[]>`
      select p.proname as name, p.prosrc as body from pg_proc p
      where p.pronamespace = 'cortex_migration'::regnamespace and p.proname ~ '^(map|log|sync|below|dw|rsync|rv)_'
      order by 1`;
    const committed = committedBodies();
    // map_, log_, sync_, sync_*_fill, sync_*_one and dw_ per table, below_ per table with rows below
    // it, rsync_ per table with a way back, and rv_ per target table of those and per table whose
    // rows fold back into them (their owners: tag links).
    const reversed = TABLES.filter((t) => t.reverse);
    expect(committed.size).toBe(TABLES.length * 6 + TABLES.filter((t) => dependentsOf(t, TABLES).length > 0).length
      + reversed.length + new Set(reversed.map((t) => `${t.target.schema}.${t.target.table}`)).size
      + new Set(reversed.flatMap((t) => (t.reverse!.owners ?? []).map((o) => o.table))).size);
    expect([...committed.keys()].filter((n) => !installed.some((f) => f.name === n)), 'generated but not installed').toEqual([]);
    const handWritten = sqlFiles(join(packageRoot, 'migrations')).map((f) => readFileSync(f, 'utf8'));
    for (const f of installed) {
      if (committed.has(f.name)) expect(f.body, f.name).toBe(committed.get(f.name));
      else expect(handWritten.some((text) => text.includes(f.body)), `${f.name} is in no committed file`).toBe(true);
    }
  });
  it("the specs' references are the target's foreign keys between mapped tables that the transforms set", async () => {
    // On the database the test above took through phases 1–4 (one database per file, tests in order).
    const fks = await db().sql<{ r: string }[]>`
      select c.old_schema || '.' || c.old_table || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
             || ' -> ' || p.old_schema || '.' || p.old_table as r
        from pg_constraint k
        join pg_class pr on pr.oid = k.confrelid join pg_namespace pn on pn.oid = pr.relnamespace
        join pg_class cr on cr.oid = k.conrelid join pg_namespace cn on cn.oid = cr.relnamespace
        join cortex_migration.mapped_tables p on p.new_schema = pn.nspname and p.new_table = pr.relname
        join cortex_migration.mapped_tables c on c.new_schema = cn.nspname and c.new_table = cr.relname
        join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
        join pg_attribute v on v.attrelid = format('cortex_migration.%I', c.transform_view)::regclass and v.attname = a.attname and not v.attisdropped
       where k.contype = 'f' and cardinality(k.conkey) = 1 order by 1`;
    const specs = TABLES.flatMap((t) => t.references.map((r) => `${t.legacy.schema}.${t.legacy.table}.${r.column} ${r.type} -> ${r.parent}`)).sort();
    expect(specs).toEqual(fks.map((f) => f.r).sort());
  });
});
