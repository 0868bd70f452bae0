import { describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/client.js';
import { useFreshDatabase } from '../helpers/db.js';
import { dualWriteDatabase, rolledBack } from '../helpers/rebuild.js';

// The quarantine says why in columns (code, and the awaited row of a row that waits for one), not
// only in words: programs read those, people read the reason.

type Row = { t: string; old_id: string; code: string; reason: string; awaited_table: string | null; awaited_key: string | null };

async function quarantined(tx: Sql): Promise<Row[]> {
  return tx<Row[]>`
    select old_schema || '.' || old_table as t, old_id, code, reason, awaited_table, awaited_key
      from cortex_migration.quarantine order by 1, 2`;
}

/** Quarantined rows whose columns differ from what their transform view says now. */
async function unlikeTheirView(tx: Sql): Promise<string[]> {
  const out: string[] = [];
  const views = await tx<{ old_schema: string; old_table: string; transform_view: string }[]>`
    select old_schema, old_table, transform_view from cortex_migration.mapped_tables order by position`;
  for (const m of views) {
    const rows = await tx<{ k: string }[]>`
      select q.old_id || ' ' || q.code || ' ' || q.reason as k
        from cortex_migration.quarantine q
        left join cortex_migration.${tx(m.transform_view)} v on v._old_id = q.old_id
       where q.old_schema = ${m.old_schema} and q.old_table = ${m.old_table}
         and (q.code, q.reason, q.awaited_table, q.awaited_key) is distinct from
             (v._problem->>'code', v._problem->>'reason', v._problem->>'awaited_table', v._problem->>'awaited_key')`;
    out.push(...rows.map((r) => `${m.old_schema}.${m.old_table}:${r.k}`));
  }
  return out;
}

describe('quarantine reasons in columns', () => {
  const db = useFreshDatabase('quarantine');

  it('every row of a dirty fixture has the code its transform gives, and names the row it waits for exactly when it waits', async () => {
    const sql = db().sql;
    await dualWriteDatabase(db(), 7);
    const rows = await quarantined(sql);
    const mapped = new Set((await sql<{ t: string }[]>`
      select old_schema || '.' || old_table as t from cortex_migration.mapped_tables`).map((r) => r.t));
    const codes = new Set(rows.map((r) => r.code));
    expect(codes).toEqual(new Set(['missing', 'invalid']));
    for (const r of rows) {
      const where = `${r.t} ${r.old_id}: ${r.reason}`;
      if (r.code === 'missing') {
        expect(mapped.has(r.awaited_table!), where).toBe(true);
        expect(r.reason, where).toMatch(/^\S+ \S+ has no \S+ row$/);
        expect(r.reason.endsWith(` ${r.awaited_key} has no ${r.awaited_table} row`), where).toBe(true);
      } else {
        expect([r.awaited_table, r.awaited_key], where).toEqual([null, null]);
        // A null reference waits for nothing.
        expect(/^\S+ \S+ has no \S+ row$/.test(r.reason) && !/^\S+ null has no/.test(r.reason), where).toBe(false);
      }
    }
    expect(rows.filter((r) => r.code === 'missing').length).toBeGreaterThan(10);
    expect(await unlikeTheirView(sql)).toEqual([]);
  });

  it('a row with no id mapping is unmapped; a row the target refuses is refused; dual-write\'s last resort is failed', async () => {
    const sql = db().sql;
    const seen: Record<string, Row[]> = {};
    let belowCount = 0;
    await rolledBack(sql, async (tx) => {
      // A contact that cannot be migrated: the target's foreign key refuses its phones.
      const [c] = await tx<{ contact: number }[]>`
        select p.contact_id as contact from crm.contact_phones p
          join cortex_entities.contact_phones t on t.id = (select mm.new_id::uuid from cortex_migration.migration_mappings mm
                                                           where mm.old_schema = 'crm' and mm.old_table = 'contact_phones' and mm.old_id = p.id::text)
         order by 1 limit 1`;
      const below = new Set((await tx<{ k: string }[]>`
        select x.t || ' ' || x.id as k
          from (select 'crm.contact_phones' as t, id from crm.contact_phones where contact_id = ${c!.contact}
                union all select 'crm.contact_emails', id from crm.contact_emails where contact_id = ${c!.contact}) x
         where not exists (select 1 from cortex_migration.quarantine q
                            where q.old_schema || '.' || q.old_table = x.t and q.old_id = x.id::text)`).map((r) => r.k));
      belowCount = below.size;
      await tx`update crm.contacts set full_name = repeat('x', 300) where contact_id = ${c!.contact}`;
      // A note whose id mapping is gone.
      const [n] = await tx<{ id: string }[]>`
        select n.note_id::text as id from crm.notes n
         where not exists (select 1 from cortex_migration.quarantine q where q.old_table = 'notes' and q.old_id = n.note_id::text)
         order by 1 limit 1`;
      await tx`delete from cortex_migration.migration_mappings where old_schema = 'crm' and old_table = 'notes' and old_id = ${n!.id}`;
      await tx`select cortex_migration.sync_safely('crm', 'notes', ${[n!.id]}::text[])`;
      // A sync that fails, and its fallback too: the trigger's last resort records the key.
      await tx`create or replace function cortex_migration.sync_safely(p_schema text, p_table text, old_ids text[]) returns integer
               language plpgsql as $$ begin raise exception 'sync broken'; end $$`;
      await tx`create or replace function cortex_migration.sync_crm_projects(old_ids text[]) returns integer
               language plpgsql as $$ begin raise exception 'sync broken'; end $$`;
      const [p] = await tx<{ id: number }[]>`select min(project_id)::int as id from crm.projects`;
      await tx`update crm.projects set status = 'nonsense' where project_id = ${p!.id}`;
      const rows = await quarantined(tx);
      seen.contact = rows.filter((r) => r.t === 'crm.contacts' && r.old_id === String(c!.contact));
      seen.refused = rows.filter((r) => r.code === 'refused');
      seen.below = rows.filter((r) => below.has(`${r.t} ${r.old_id}`));
      seen.note = rows.filter((r) => r.t === 'crm.notes' && r.old_id === n!.id);
      seen.project = rows.filter((r) => r.t === 'crm.projects' && r.old_id === String(p!.id));
    });
    expect(seen.contact).toMatchObject([{ code: 'invalid', reason: 'full_name longer than 255 characters', awaited_table: null }]);
    expect(belowCount).toBeGreaterThan(0);
    expect(seen.below).toHaveLength(belowCount);
    expect(seen.refused).toEqual(seen.below);
    for (const r of seen.refused!) {
      expect(r).toMatchObject({ awaited_table: null, awaited_key: null });
      expect(r.reason).toMatch(/^cannot be written to the target: .*foreign key/);
    }
    expect(seen.note).toMatchObject([{ code: 'unmapped', reason: 'no id mapping', awaited_table: null, awaited_key: null }]);
    expect(seen.project).toMatchObject([{ code: 'failed', reason: 'dual-write failed: sync broken', awaited_table: null, awaited_key: null }]);
  });

  it('the transforms\' helpers: a null reference waits for nothing, a null text is no problem', async () => {
    const [r] = await db().sql<{ missing: unknown; nullKey: unknown; invalid: unknown; nothing: boolean; unmapped: unknown }[]>`
      select cortex_migration.missing('contact_id', '12', 'crm.contacts') as missing,
             cortex_migration.missing('contact_id', null, 'crm.contacts') as "nullKey",
             cortex_migration.invalid('email is empty') as invalid,
             cortex_migration.invalid(null) is null as nothing,
             cortex_migration.unmapped() as unmapped`;
    expect(r).toEqual({
      missing: { code: 'missing', reason: 'contact_id 12 has no crm.contacts row', awaited_table: 'crm.contacts', awaited_key: '12' },
      nullKey: { code: 'invalid', reason: 'contact_id null has no crm.contacts row' },
      invalid: { code: 'invalid', reason: 'email is empty' },
      nothing: true,
      unmapped: { code: 'unmapped', reason: 'no id mapping' },
    });
  });

  it('the transform views\' problems are inlined: no helper is called per row', async () => {
    const views = await db().sql<{ v: string }[]>`select transform_view as v from cortex_migration.mapped_tables order by position`;
    const called: string[] = [];
    for (const { v } of views) {
      const plan = await db().sql<{ 'QUERY PLAN': string }[]>`explain verbose select _problem from cortex_migration.${db().sql(v)}`;
      const text = plan.map((l) => l['QUERY PLAN']).join('\n');
      if (/cortex_migration\.(unmapped|invalid|missing)\(/.test(text) || !text.includes('jsonb_build_object')) called.push(v);
    }
    expect(called).toEqual([]);
  });
});
