import type { Sql } from '../db/client.js';
import type { MappedTable } from '../db/mapped-tables.js';
import type { Check } from '../plan/model.js';

type Mapped = Pick<MappedTable, 'old_schema' | 'old_table' | 'new_schema' | 'new_table'>;

interface Bucket {
  bucket: number;
  legacy_rows: string;
  target_rows: string;
  legacy_hash: string | null;
  target_hash: string | null;
}

interface Mismatch {
  old_id: string;
  new_id: string;
  column_name: string;
  legacy_value: string | null;
  target_value: string | null;
}

/** Rows per hash bucket: small enough that narrowing a differing bucket is cheap. */
const ROWS_PER_BUCKET = 2000;

function table(m: Mapped): string {
  return `${m.old_schema}.${m.old_table}`;
}

/**
 * Count and content parity for one mapped table from one pass over each side: hash buckets of the
 * transformed legacy rows against the target rows that came from them. Count: legacy = target +
 * quarantined (quarantine is a warning). Content: differing buckets are narrowed to at most
 * `maxKeys` legacy keys with the differing columns.
 */
export async function parityChecks(sql: Sql, m: Mapped, maxKeys = 20): Promise<Check[]> {
  const [est] = await sql<{ n: number }[]>`
    select greatest(c.reltuples, 0)::float8 as n from pg_class c where c.oid = ${`${m.old_schema}.${m.old_table}`}::regclass`;
  const buckets = Math.max(1, Math.ceil(Number(est?.n ?? 0) / ROWS_PER_BUCKET));
  const rows = await sql<Bucket[]>`
    select * from cortex_migration.parity_buckets(
      (select x from cortex_migration.mapped_tables x where x.old_schema = ${m.old_schema} and x.old_table = ${m.old_table}), ${buckets})`;
  const [q] = await sql<{ n: number }[]>`
    select count(*)::int as n from cortex_migration.quarantine where old_schema = ${m.old_schema} and old_table = ${m.old_table}`;
  const legacy = rows.reduce((s, b) => s + Number(b.legacy_rows), 0);
  const target = rows.reduce((s, b) => s + Number(b.target_rows), 0);
  const quarantined = q!.n;
  const countOk = legacy === target + quarantined;
  const count: Check = {
    id: `count-${table(m)}`,
    status: !countOk ? 'failed' : quarantined > 0 ? 'warning' : 'passed',
    expected: legacy,
    actual: target + quarantined,
    ...(quarantined > 0 || !countOk ? { details: `${target} in ${m.new_schema}.${m.new_table}, ${quarantined} quarantined` } : {}),
  };
  const bad = rows.filter((b) => b.bucket >= 0 && b.legacy_hash !== b.target_hash).map((b) => b.bucket);
  const id = `content-${table(m)}`;
  if (bad.length === 0) return [count, { id, status: 'passed', expected: `${buckets} equal buckets`, actual: `${buckets} equal buckets` }];
  const diffs = await sql<Mismatch[]>`
    select * from cortex_migration.parity_rows(
      (select x from cortex_migration.mapped_tables x where x.old_schema = ${m.old_schema} and x.old_table = ${m.old_table}),
      ${buckets}, ${bad}::int[], ${maxKeys * 10})`;
  const byKey = new Map<string, string[]>();
  for (const d of diffs) {
    const list = byKey.get(d.old_id) ?? [];
    if (list.length < 5) {
      list.push(d.column_name.startsWith('(') ? d.column_name : `${d.column_name}: ${JSON.stringify(d.legacy_value)} → ${JSON.stringify(d.target_value)}`);
    }
    byKey.set(d.old_id, list);
  }
  const keys = [...byKey.keys()].slice(0, maxKeys);
  return [count, {
    id,
    status: 'failed',
    expected: `${buckets} equal buckets`,
    actual: `${bad.length} differing`,
    details: `${m.new_schema}.${m.new_table} differs for ${table(m)} keys ${keys.map((k) => `${k} (${byKey.get(k)!.join('; ')})`).join(', ')}`,
  }];
}

/** Soft references (`*_id` columns holding prefixed entity ids) must resolve in cortex_foundation.entities. */
export async function referenceChecks(sql: Sql): Promise<Check[]> {
  const cols = await sql<{ s: string; t: string; c: string }[]>`
    select n.nspname as s, c.relname as t, a.attname as c
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname like 'cortex\\_%' and n.nspname <> 'cortex_migration' and c.relkind = 'r'
      and a.attnum > 0 and not a.attisdropped and a.attname like '%\\_id' and a.attname not in ('content_id', 'item_id')
      and format_type(a.atttypid, a.atttypmod) = 'character varying(50)'
    order by 1, 2, 3`;
  const broken: string[] = [];
  for (const col of cols) {
    const [r] = await sql<{ n: number; sample: string | null }[]>`
      select count(*)::int as n, min(x.v) as sample from (select ${sql(col.c)}::text as v from ${sql(col.s)}.${sql(col.t)}) x
      where x.v ~ '^c[a-z]_' and not exists (select 1 from cortex_foundation.entities e where e.id = x.v)`;
    if (r!.n > 0) broken.push(`${col.s}.${col.t}.${col.c}: ${r!.n} (e.g. ${r!.sample})`);
  }
  return [{
    id: 'references-resolve',
    status: broken.length === 0 ? 'passed' : 'failed',
    expected: `${cols.length} reference columns resolve in entities`,
    actual: broken.length === 0 ? 'all resolve' : `${broken.length} columns with dangling ids`,
    ...(broken.length > 0 ? { details: broken.slice(0, 10).join('; ') } : {}),
  }];
}

/**
 * The mapping is a bijection: one new id per legacy key (primary key on the old side) and one
 * legacy key per new id (unique new_id). Both are enforced by validated constraints, so checking
 * the constraints proves it without counting every mapping twice.
 */
export async function bijectionCheck(sql: Sql): Promise<Check> {
  const rows = await sql<{ contype: string; cols: string }[]>`
    select k.contype::text as contype, string_agg(a.attname, ',' order by x.o) as cols
    from pg_constraint k
    cross join lateral unnest(k.conkey) with ordinality x(attnum, o)
    join pg_attribute a on a.attrelid = k.conrelid and a.attnum = x.attnum
    where k.conrelid = 'cortex_migration.migration_mappings'::regclass and k.contype in ('p', 'u') and k.convalidated
    group by k.oid, k.contype`;
  const found = new Set(rows.map((r) => `${r.contype}:${r.cols}`));
  const ok = found.has('p:old_schema,old_table,old_id') && found.has('u:new_id');
  return {
    id: 'mapping-bijection',
    status: ok ? 'passed' : 'failed',
    expected: 'primary key (old_schema, old_table, old_id) and unique (new_id), validated',
    actual: [...found].sort().join('; ') || 'none',
  };
}
