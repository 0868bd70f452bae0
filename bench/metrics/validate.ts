import postgres from 'postgres';
import { cortex } from '../lib/cli.js';
import { type BenchContext, type Metric, ratio, secs } from '../lib/context.js';

// The naive comparison a DBA would write: per mapped table, the transformed legacy rows EXCEPT ALL
// the target rows, both ways, over the same columns the validation compares.
async function exceptAll(url: string): Promise<{ ms: number; differing: number }> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const queries = await sql<{ q: string }[]>`
      select format($q$select count(*)::bigint as n from (
          (select %1$s from cortex_migration.%2$I v where v._problem is null
           except all
           select %3$s from %4$I.%5$I t join cortex_migration.migration_mappings mm
             on mm.new_id = t.id::text and mm.old_schema = %6$L and mm.old_table = %7$L)
          union all
          (select %3$s from %4$I.%5$I t join cortex_migration.migration_mappings mm
             on mm.new_id = t.id::text and mm.old_schema = %6$L and mm.old_table = %7$L
           except all
           select %1$s from cortex_migration.%2$I v where v._problem is null)) d$q$,
        cols.v, m.transform_view, cols.t, m.new_schema, m.new_table, m.old_schema, m.old_table) as q
      from cortex_migration.mapped_tables m,
      lateral (select string_agg(format('v.%I', a.attname), ', ' order by a.attnum) as v,
                      string_agg(format('t.%I', a.attname), ', ' order by a.attnum) as t
               from pg_attribute a
               where a.attrelid = format('cortex_migration.%I', m.transform_view)::regclass
                 and a.attnum > 0 and not a.attisdropped and left(a.attname, 1) <> '_') cols
      order by m.position`;
    let differing = 0;
    const t0 = performance.now();
    for (const { q } of queries) {
      const [r] = await sql.unsafe(q);
      differing += Number(r!.n);
    }
    return { ms: performance.now() - t0, differing };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** `cortex validate` (every phase-5 check, one snapshot) against the naive EXCEPT ALL, on the same database. */
export async function validateVsExceptAll(ctx: BenchContext, url: string, rows: number): Promise<Record<string, Metric>> {
  for (const n of [4, 5]) await cortex(url, ['migrate', 'phase', String(n)]);
  ctx.log('validate: cortex validate, then EXCEPT ALL');
  const v = await cortex(url, ['validate']);
  const naive = await exceptAll(url);
  return {
    validate_vs_except_all: {
      value: ratio(v.ms, naive.ms),
      detail: `${rows} legacy rows: cortex validate ${secs(v.ms)} wall (counts, content parity, references, bijection, quarantine, whatsapp fingerprint, triggers); EXCEPT ALL both ways over the same columns ${secs(naive.ms)} (${naive.differing} differing rows, content only)`,
    },
  };
}
