// Phase 4, the way back: a write the application makes on a target table reaches its legacy table
// in the same transaction, through the table's reverse view (target row → legacy row). Deadlocks
// are avoided by never waiting: the application's target write holds the target row, and a legacy
// writer's dual-write may be waiting for it while holding the legacy row, so the reverse locks the
// legacy row NOWAIT and, when it is busy, defers the target ids to cortex_migration.reverse_log,
// which is applied later from the target's state then (the later commit wins, as in one table).
import type { Template } from '../generate.js';
import { legacyView, reverseSyncFunction, reverseTriggerFunction, reverseView } from '../../names.js';
import { legacyName, type TableSpec } from '../spec.js';
import { ident, keyText, list, literal, qualified } from '../sql.js';
import { REVERSE } from './direction.js';

// `(a, b, c)`, or `(r.a, r.b, r.c)` of a row.
const tuple = (cols: readonly string[], alias?: string) => `(${list(cols, alias ? `${alias}.` : '')})`;

/**
 * lx_<t>: the legacy table through a view. A view is bound to the table, not to its name: after
 * the archive renames crm to crm_deprecated the way back keeps writing the same table, with no
 * function to regenerate. Simple enough to be automatically updatable (DML and row locks go to the
 * table, whose column defaults apply).
 */
function legacyViewSql(spec: TableSpec): string {
  const { schema, table } = spec.legacy;
  return `create view ${qualified(legacyView(schema, table))} as select * from ${qualified([schema, table])};`;
}

// The target id tid as the target's own type, so the lookup uses the target's primary key. An id of
// another table (a link's content id passed to every owner) that is no uuid matches nothing.
function asTargetId(spec: TableSpec): string {
  if (spec.target.idType !== 'uuid') return `tid::${spec.target.idType}`;
  return `(case when tid ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then tid::uuid end)`;
}

// The legacy key: k holds it as text (`a`, or `a:b` for a composite key), as migration_mappings does.
function keyMatch(spec: TableSpec): string {
  const key = spec.legacy.key;
  if (key.length === 1) return `l.${ident(key[0]!.name)} = k::${key[0]!.type}`;
  return key.map((c, i) => `l.${ident(c.name)} = split_part(k, ':', ${i + 1})::${c.type}`).join(' and ');
}

// The key of the row r as text (a composite key: the view yields its columns).
const keyOfRow = (spec: TableSpec) => keyText(spec.legacy.key, 'r');

/** What a new legacy row is inserted with: the columns, the values, and how its key comes back into k. */
function newRow(spec: TableSpec): { columns: string[]; values: string[]; comment: string } {
  const cols = spec.reverse!.columns;
  const key = spec.legacy.key;
  switch (spec.reverse!.key.kind) {
    case 'sequence':
      return { columns: [...cols], values: cols.map((c) => `r.${ident(c)}`), comment: "the key column's own sequence" };
    case 'uuid':
      return { columns: [key[0]!.name, ...cols], values: ['gen_random_uuid()', ...cols.map((c) => `r.${ident(c)}`)], comment: 'a new uuid' };
    case 'columns':
      return { columns: [...key.map((c) => c.name), ...cols], values: [...key.map((c) => `r.${ident(c.name)}`), ...cols.map((c) => `r.${ident(c)}`)], comment: 'its references, mapped back' };
  }
}

/**
 * rsync_<schema>_<table>(p_new_ids) target ids, one id at a time (the reverse trigger is row-level: one id per call). A row the
 * reverse cannot write back fails the application's statement with the reason (nothing is lost
 * silently); a new target row gets a new legacy key and its mapping first, so the legacy table's
 * mapping trigger finds it and the two ids stay paired; a target row that is gone takes its legacy
 * row with it (the mapping stays: ids are never reused).
 */
function reverseSync(spec: TableSpec): string {
  const { schema, table, key } = spec.legacy;
  const legacy = qualified(legacyView(schema, table));
  const composite = spec.reverse!.key.kind === 'columns';
  // A composite key lives in the row's own columns: the update carries it (a member moved to another group).
  const cols = composite ? [...key.map((c) => c.name), ...spec.reverse!.columns] : spec.reverse!.columns;
  const fresh = newRow(spec);
  const again = composite ? fresh : { columns: [key[0]!.name, ...cols], values: [`k::${key[0]!.type}`, ...cols.map((c) => `r.${ident(c)}`)] };
  return `create function ${qualified(reverseSyncFunction(schema, table))}(p_new_ids text[], p_wait boolean default false)
  returns integer language plpgsql ${REVERSE} as $$
declare
  tid text;
  r ${qualified(reverseView(schema, table))};
  present boolean;
  k text;
  n integer := 0;
begin
  foreach tid in array p_new_ids loop
    select v.* into r from ${qualified(reverseView(schema, table))} v where v._new_id = ${asTargetId(spec)};
    present := found;
    if present and r._problem is not null then
      raise exception using errcode = 'CX001',
        message = format(${literal(`cortex: ${spec.target.schema}.${spec.target.table} %s cannot be written back to ${legacyName(spec)}: %s`)}, tid, r._problem->>'reason');
    end if;
    k := coalesce(r._old_id, (select mm.old_id from cortex_migration.migration_mappings mm
                               where mm.old_schema = ${literal(schema)} and mm.old_table = ${literal(table)} and mm.new_id = tid));
    continue when k is null and not present;  -- not a row of this legacy table
    if k is not null and p_wait then
      -- Draining the deferred ids (drain_reverse_log): outside the application's transaction, it waits.
      perform 1 from ${legacy} l where ${keyMatch(spec)} for update;
    elsif k is not null then
      -- Never wait for a legacy writer: it may be waiting for this target row (see above).
      begin
        perform 1 from ${legacy} l where ${keyMatch(spec)} for update nowait;
      exception when lock_not_available then
        insert into cortex_migration.reverse_log (new_schema, new_table, new_ids)
        values (${literal(spec.target.schema)}, ${literal(spec.target.table)}, array[tid]);
        continue;
      end;
    end if;
    if not present then
      -- The target row is gone: so is its legacy row.
      delete from ${legacy} l where ${keyMatch(spec)};
    elsif k is null then
      -- A row the application created on the target: a new legacy key (${fresh.comment}), and
      -- its mapping to the target's own id (the legacy table's mapping trigger leaves it to us).
      insert into ${legacy} (${list(fresh.columns)}) values (${fresh.values.join(', ')})
      returning ${key.map((c) => `${ident(c.name)}::text`).join(` || ':' || `)} into k;
      insert into cortex_migration.migration_mappings (old_schema, old_table, old_id, new_schema, new_table, new_id)
      values (${literal(schema)}, ${literal(table)}, k, ${literal(spec.target.schema)}, ${literal(spec.target.table)}, tid)${composite ? `
      -- A pair deleted before keeps its mapping; its legacy row is gone (the insert above went in), so it is stale.
      on conflict (old_schema, old_table, old_id) do update set new_id = excluded.new_id` : ''};
    else
      update ${legacy} l set ${tuple(cols)} = row${tuple(cols, 'r')}
       where ${keyMatch(spec)} and ${tuple(cols, 'l')} is distinct from ${tuple(cols, 'r')};${composite ? `
      if found and ${keyOfRow(spec)} <> k then
        -- Its references changed, and with them its legacy key: the mapping follows (over the stale
        -- mapping of a pair deleted before: its legacy row is gone, the update above took its key).
        delete from cortex_migration.migration_mappings
         where old_schema = ${literal(schema)} and old_table = ${literal(table)} and old_id = ${keyOfRow(spec)};
        update cortex_migration.migration_mappings set old_id = ${keyOfRow(spec)}
         where old_schema = ${literal(schema)} and old_table = ${literal(table)} and old_id = k;
      end if;` : ''}
      if not found and not exists (select 1 from ${legacy} l where ${keyMatch(spec)}) then
        -- A target row inserted again under an id mapped before: its legacy row comes back with its key.
        insert into ${legacy} (${list(again.columns)}) values (${again.values.join(', ')});
      end if;
    end if;
    n := n + 1;
  end loop;
  if n > 0 then
    insert into cortex_migration.reverse_writes (old_schema, old_table, n) values (${literal(schema)}, ${literal(table)}, n);
  end if;
  return n;
end $$;`;
}

// Who a target table's row trigger re-syncs: each legacy table it is the target of (through the
// row's id), and each legacy table whose rows it folds back into (through its owner column).
function triggerCalls(name: string, all: readonly TableSpec[]): Array<{ spec: TableSpec; column: string }> {
  return all.filter((t) => t.reverse).flatMap((t) => [
    ...(`${t.target.schema}.${t.target.table}` === name ? [{ spec: t, column: 'id' }] : []),
    ...(t.reverse!.owners ?? []).filter((o) => o.table === name).map((o) => ({ spec: t, column: o.column })),
  ]);
}

// The ids of the row that fired, from one of its columns: old and new when an UPDATE moved it.
const firedIds = (col: string) => `case when tg_op = 'DELETE' then array[old.${col}::text]
                  when tg_op = 'UPDATE' and old.${col} is distinct from new.${col} then array[old.${col}::text, new.${col}::text]
                  else array[new.${col}::text] end`;

/**
 * rv_<schema>_<table>(): the row-level trigger function of one target table: it calls the reverse
 * sync of every legacy table that holds its rows (its target) or takes values from them (an owner,
 * like tag links). One function per table, rendered with the first spec that involves it.
 */
function rowTriggers(spec: TableSpec, all: readonly TableSpec[]): Array<{ up: string; down: string }> {
  const names = [`${spec.target.schema}.${spec.target.table}`, ...(spec.reverse!.owners ?? []).map((o) => o.table)];
  const out: Array<{ up: string; down: string }> = [];
  for (const name of [...new Set(names)]) {
    const calls = triggerCalls(name, all);
    if (calls[0]?.spec !== spec) continue;
    const [schema, table] = name.split('.') as [string, string];
    const fn = qualified(reverseTriggerFunction(schema, table));
    out.push({
      up: `create function ${fn}() returns trigger language plpgsql as $$
begin
  -- The rows it holds or folds into (both the old and the new, when an UPDATE moved it).
  ${calls.map((c) => `perform ${qualified(reverseSyncFunction(c.spec.legacy.schema, c.spec.legacy.table))}(${firedIds(ident(c.column))});`).join('\n  ')}
  return null;
end $$;`,
      down: `drop function ${fn}();`,
    });
  }
  return out;
}

/** lx_<t> and rsync_<t> for every table with a reverse spec, and each rv_<table> with the first spec that involves it. */
export const reverseSyncFunctions: Template = {
  source: 'reverse-sync',
  render(spec, all) {
    if (!spec.reverse) return undefined;
    const { schema, table } = spec.legacy;
    const triggers = rowTriggers(spec, all);
    return {
      up: [legacyViewSql(spec), reverseSync(spec), ...triggers.map((t) => t.up)].join('\n\n'),
      down: [
        ...triggers.map((t) => t.down),
        `drop function ${qualified(reverseSyncFunction(schema, table))}(text[], boolean);`,
        `drop view ${qualified(legacyView(schema, table))};`,
      ].join('\n'),
    };
  },
};
