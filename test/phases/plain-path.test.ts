import { describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/client.js';
import { TABLES } from '../../phases/tables/index.js';
import { useFreshDatabase } from '../helpers/db.js';
import { BY_SET, dualWriteDatabase, EMPTY, rolledBack, type State, targetState } from '../helpers/rebuild.js';

// The plain and derived columns of every table's spec (phases/tables), with the derived ones'
// expressions, as rows of a temporary table plain_spec the writes below read.
const SPEC_COLUMNS = TABLES.flatMap((t) => [
  ...t.plain.map((c) => ({ old_schema: t.legacy.schema, old_table: t.legacy.table, c, expression: null as string | null })),
  ...Object.entries(t.derived).map(([c, expression]) => ({ old_schema: t.legacy.schema, old_table: t.legacy.table, c, expression })),
]);

/** Create plain_spec (dropped at commit) holding SPEC_COLUMNS. */
async function specColumns(tx: Sql): Promise<void> {
  await tx`create temporary table plain_spec on commit drop as
           select * from jsonb_to_recordset(${tx.json(SPEC_COLUMNS)}::jsonb) as x(old_schema text, old_table text, c text, expression text)`;
}

// Per plain or derived column of every table, two UPDATEs setting a new value: one of up to 25
// rows that have a target row, one of the last such row alone. A plain column gets a new value of
// its type; a derived one the value of another row whose expression is not null (a valid one).
// Each statement's row count is kept to show which was which.
const PLAIN_WRITES = `
do $$
declare
  p record;
  typ text;
  expr text;
  win text;
  n integer;
begin
  for p in select x.old_schema, x.old_table, x.c, x.expression, m.key_columns[1] as key
             from plain_spec x join cortex_migration.mapped_tables m using (old_schema, old_table)
            order by m.position, x.c loop
    select format_type(a.atttypid, a.atttypmod) into typ from pg_attribute a
     where a.attrelid = format('%I.%I', p.old_schema, p.old_table)::regclass and a.attname = p.c;
    expr := case
      when p.expression is not null then format('(select v.%1$I from %2$I.%3$I v where %4$s is not null and v.%1$I is distinct from o.%1$I order by 1 limit 1)',
                                                p.c, p.old_schema, p.old_table, format(p.expression, format('v.%I', p.c)))
      when typ = 'boolean' then format('not coalesce(%I, false)', p.c)
      when typ like 'timestamp%' then format('coalesce(%I, ''2020-01-01'') + interval ''1 day 1 second''', p.c)
      when typ = 'date' then format('coalesce(%I, ''2020-01-01'') + 1', p.c)
      when typ ~ '^(smallint|integer|bigint|numeric)' then format('coalesce(%I, 0) + 1', p.c)
      when typ = 'jsonb' then format('coalesce(%1$I, ''{}'') || jsonb_build_object(''n'', coalesce((%1$I->>''n'')::int, 0) + 1)', p.c)
      else format('coalesce(%I, '''') || '' (changed)''', p.c) end;
    foreach win in array array['limit 25', 'desc limit 1'] loop
      execute format('update %I.%I o set %I = %s where %I in (select x.%I from %I.%I x where not exists (
                        select 1 from cortex_migration.quarantine q where q.old_schema = %L and q.old_table = %L and q.old_id = x.%I::text)
                      order by 1 %s)',
        p.old_schema, p.old_table, p.c, expr, p.key, p.key, p.old_schema, p.old_table, p.old_schema, p.old_table, p.key, win);
      get diagnostics n = row_count;
      insert into plain_writes (col, n) values (p.old_schema || '.' || p.old_table || '.' || p.c, n);
    end loop;
  end loop;
end $$`;

// UPDATEs the plain path must hand to the full sync: rows touched without a change (which repairs
// target rows changed behind the tool's back), a quarantined key among plain changes (with
// others, and alone), a plain and a non-plain column together, a derived column set to a value
// the transform quarantines (alone, and among valid ones), a changed key, and a one-row non-plain
// change the row path (run inside the plain block) does not handle: an unknown priority (on an
// untagged, unquarantined task no other row refers to).
const FALLBACK_WRITES = `
update cortex_projects.tasks set title = 'Tampered' where id in (select mm.new_id::uuid from cortex_migration.migration_mappings mm
 where mm.old_schema = 'crm' and mm.old_table = 'tasks' and mm.old_id in (select t.task_id::text from crm.tasks t order by t.task_id offset 10 limit 3));
update crm.tasks set updated_at = updated_at where task_id in (select task_id from crm.tasks order by 1 offset 10 limit 3);
update crm.tasks set due_date = '2030-06-01'
 where task_id = (select old_id::int from cortex_migration.quarantine where old_schema = 'crm' and old_table = 'tasks' order by 1 desc limit 1);
update crm.tasks set updated_at = updated_at + interval '1 hour'
 where task_id in (select old_id::int from cortex_migration.quarantine where old_schema = 'crm' and old_table = 'tasks' limit 1)
    or task_id in (select task_id from crm.tasks order by 1 limit 5);
update crm.tasks set description = 'rewritten', title = 'Retitled' where task_id in (select task_id from crm.tasks order by 1 desc limit 10);
update crm.tasks set status = 'bogus', updated_at = now() where task_id = (select task_id from crm.tasks order by 1 offset 20 limit 1);
update crm.tasks set status = case when task_id % 3 = 0 then 'no such status' else 'done' end
 where task_id in (select task_id from crm.tasks order by 1 offset 30 limit 6);
update crm.notes set note_id = note_id + 1000000, updated_at = now()
 where note_id in (select note_id from crm.notes order by 1 limit 3);
update crm.tasks set priority = 'whenever', description = 'odd' where task_id = (select max(task_id) from crm.tasks t
 where t.tags is null and not exists (select 1 from crm.tasks c where c.parent_task_id = t.task_id)
   and not exists (select 1 from cortex_migration.quarantine q where q.old_table = 'tasks' and q.old_id = t.task_id::text));`;

/** Calls of the full sync functions (set path and row path) in this transaction so far. */
async function fullSyncCalls(tx: Sql): Promise<number> {
  const [c] = await tx<{ n: number }[]>`
    select coalesce(sum(calls), 0)::int as n from pg_stat_xact_user_functions where funcname like 'sync\\_%'`;
  return c!.n;
}

/** From a set-path state, run `writes` through the triggers; the target then, and rebuilt. */
async function throughTriggers(tx: Sql, writes: string): Promise<{ live: State; rebuilt: State; calls: number }> {
  await tx.unsafe(EMPTY);
  await tx.unsafe(BY_SET);
  await tx`set local track_functions = 'pl'`;
  await tx.unsafe(writes);
  const calls = await fullSyncCalls(tx);
  const live = await targetState(tx);
  await tx.unsafe(EMPTY);
  await tx.unsafe(BY_SET);
  return { live, rebuilt: await targetState(tx), calls };
}

describe('dual-write plain path', () => {
  const db = useFreshDatabase('plainpath');

  it('copies every plain column of every table, in one-row and multi-row UPDATEs; the target equals a rebuild', async () => {
    const sql = db().sql;
    await dualWriteDatabase(db(), 11);
    let out: Awaited<ReturnType<typeof throughTriggers>> | undefined;
    let writes: { col: string; n: number }[] = [];
    await rolledBack(sql, async (tx) => {
      await tx`create temporary table plain_writes (i serial, col text, n integer) on commit drop`;
      await specColumns(tx);
      out = await throughTriggers(tx, PLAIN_WRITES);
      writes = await tx<{ col: string; n: number }[]>`select col, n from plain_writes order by i`;
    });
    expect(SPEC_COLUMNS.length).toBeGreaterThan(40);
    expect(writes.length).toBe(2 * SPEC_COLUMNS.length);
    for (const [i, w] of writes.entries()) {
      if (i % 2 === 0) expect(w.n, w.col).toBeGreaterThan(1);
      else expect(w.n, w.col).toBe(1);
    }
    // No full sync ran, not even the row path: every statement was served by the plain path alone.
    expect(out!.calls).toBe(0);
    expect(out!.live).toEqual(out!.rebuilt);
  });

  it('hands an unchanged row, a quarantined key, a non-plain change, an invalid derived value or a changed key to the full sync', async () => {
    let out: Awaited<ReturnType<typeof throughTriggers>> | undefined;
    await rolledBack(db().sql, async (tx) => {
      out = await throughTriggers(tx, FALLBACK_WRITES);
    });
    expect(out!.calls).toBeGreaterThanOrEqual(7);
    expect(out!.live).toEqual(out!.rebuilt);
  });

  it('a column renamed after phase 4 does not break the application: the full sync takes over', async () => {
    let rows = 0;
    let synced = 0;
    let calls = 0;
    await rolledBack(db().sql, async (tx) => {
      await tx`alter table crm.tasks rename column priority to task_priority`;
      await tx`set local track_functions = 'pl'`;
      const r = await tx`
        update crm.tasks set updated_at = '2031-01-01 00:00:00+00'
         where task_id in (select task_id from crm.tasks t where not exists (select 1 from cortex_migration.quarantine q
                             where q.old_schema = 'crm' and q.old_table = 'tasks' and q.old_id = t.task_id::text) order by 1 limit 5)`;
      rows = r.count;
      calls = await fullSyncCalls(tx);
      const [s] = await tx<{ n: number }[]>`
        select count(*)::int as n from cortex_projects.tasks where updated_at = '2031-01-01 00:00:00+00'`;
      synced = s!.n;
    });
    expect(rows).toBe(5);
    expect(calls).toBeGreaterThan(0);
    expect(synced).toBe(5);
  });
});
