// Phase 4, the way back: a write the application makes on a target table reaches its legacy table
// in the same transaction, through the table's reverse view (target row → legacy row). Deadlocks
// are avoided by never waiting: the application's target write holds the target row, and a legacy
// writer's dual-write may be waiting for it while holding the legacy row, so the reverse locks the
// legacy row NOWAIT and, when it is busy, defers the target ids to cortex_migration.reverse_log,
// which is applied later from the target's state then (the later commit wins, as in one table).
import type { Template } from '../generate.js';
import { legacyView, reverseSyncFunction, reverseTriggerFunction, reverseView } from '../../names.js';
import { legacyName, type TableSpec } from '../spec.js';
import { ident, list, literal, qualified } from '../sql.js';
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

// A sequence key comes from the table's own default; a uuid key is made here.
const newKeyWords = (spec: TableSpec) => (spec.reverse!.key.kind === 'uuid' ? 'a new uuid' : "the key column's own sequence");
const newKeyColumns = (spec: TableSpec) => (spec.reverse!.key.kind === 'uuid' ? `${ident(spec.legacy.key[0]!.name)}, ` : '');
const newKeyValues = (spec: TableSpec) => (spec.reverse!.key.kind === 'uuid' ? 'gen_random_uuid(), ' : '');

/**
 * rsync_<schema>_<table>(p_new_ids): make the legacy table agree with its reverse view for these
 * target ids, one id at a time (the reverse trigger is row-level: one id per call). A row the
 * reverse cannot write back fails the application's statement with the reason (nothing is lost
 * silently); a new target row gets a new legacy key and its mapping first, so the legacy table's
 * mapping trigger finds it and the two ids stay paired; a target row that is gone takes its legacy
 * row with it (the mapping stays: ids are never reused).
 */
function reverseSync(spec: TableSpec): string {
  const { schema, table, key } = spec.legacy;
  const legacy = qualified(legacyView(schema, table));
  const cols = spec.reverse!.columns;
  const keyCol = ident(key[0]!.name);
  const keyType = key[0]!.type;
  return `create function ${qualified(reverseSyncFunction(schema, table))}(p_new_ids text[], p_wait boolean default false)
  returns integer language plpgsql ${REVERSE} as $$
declare
  tid text;
  r ${qualified(reverseView(schema, table))};
  present boolean;
  k ${keyType};
  n integer := 0;
begin
  foreach tid in array p_new_ids loop
    select v.* into r from ${qualified(reverseView(schema, table))} v where v._new_id = tid;
    present := found;
    if present and r._problem is not null then
      raise exception using errcode = 'CX001',
        message = format(${literal(`cortex: ${spec.target.schema}.${spec.target.table} %s cannot be written back to ${legacyName(spec)}: %s`)}, tid, r._problem->>'reason');
    end if;
    k := coalesce(r._old_id, (select mm.old_id from cortex_migration.migration_mappings mm
                               where mm.old_schema = ${literal(schema)} and mm.old_table = ${literal(table)} and mm.new_id = tid))::${keyType};
    continue when k is null and not present;  -- not a row of this legacy table
    if k is not null and p_wait then
      -- Draining the deferred ids (drain_reverse_log): outside the application's transaction, it waits.
      perform 1 from ${legacy} l where l.${keyCol} = k for update;
    elsif k is not null then
      -- Never wait for a legacy writer: it may be waiting for this target row (see above).
      begin
        perform 1 from ${legacy} l where l.${keyCol} = k for update nowait;
      exception when lock_not_available then
        insert into cortex_migration.reverse_log (new_schema, new_table, new_ids)
        values (${literal(spec.target.schema)}, ${literal(spec.target.table)}, array[tid]);
        continue;
      end;
    end if;
    if not present then
      -- The target row is gone: so is its legacy row.
      delete from ${legacy} l where l.${keyCol} = k;
    elsif k is null then
      -- A row the application created on the target: a new legacy key (${newKeyWords(spec)}), and its
      -- mapping to the target's own id (the legacy table's mapping trigger leaves it to us).
      insert into ${legacy} (${newKeyColumns(spec)}${list(cols)}) values (${newKeyValues(spec)}${list(cols, 'r.')}) returning ${keyCol} into k;
      insert into cortex_migration.migration_mappings (old_schema, old_table, old_id, new_schema, new_table, new_id)
      values (${literal(schema)}, ${literal(table)}, k::text, ${literal(spec.target.schema)}, ${literal(spec.target.table)}, tid);
    else
      update ${legacy} l set ${tuple(cols)} = row${tuple(cols, 'r')}
       where l.${keyCol} = k and ${tuple(cols, 'l')} is distinct from ${tuple(cols, 'r')};
      if not found and not exists (select 1 from ${legacy} l where l.${keyCol} = k) then
        -- A target row inserted again under an id mapped before: its legacy row comes back with its key.
        insert into ${legacy} (${keyCol}, ${list(cols)}) values (k, ${list(cols, 'r.')});
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

/**
 * rv_<target schema>_<target table>(): the row-level trigger function of a target table, calling
 * the reverse sync of every legacy table whose rows it holds (rendered with the first of them).
 */
function reverseTrigger(spec: TableSpec, all: readonly TableSpec[]): string | undefined {
  const owners = all.filter((t) => t.reverse && t.target.schema === spec.target.schema && t.target.table === spec.target.table);
  if (owners[0] !== spec) return undefined;
  const calls = owners.map((t) => `perform ${qualified(reverseSyncFunction(t.legacy.schema, t.legacy.table))}(ids);`).join('\n  ');
  return `create function ${qualified(reverseTriggerFunction(spec.target.schema, spec.target.table))}() returns trigger language plpgsql as $$
declare
  ids text[] := array[(case when tg_op = 'DELETE' then old.id else new.id end)::text];
begin
  -- An UPDATE that changed the id: the old one is gone.
  if tg_op = 'UPDATE' and old.id is distinct from new.id then
    ids := ids || old.id::text;
  end if;
  ${calls}
  return null;
end $$;`;
}

/** rsync_<t> for every table with a reverse spec, and rv_<target> with the first table of each target. */
export const reverseSyncFunctions: Template = {
  source: 'reverse-sync',
  render(spec, all) {
    if (!spec.reverse) return undefined;
    const { schema, table } = spec.legacy;
    const trigger = reverseTrigger(spec, all);
    return {
      up: [legacyViewSql(spec), reverseSync(spec), trigger].filter(Boolean).join('\n\n'),
      down: [
        trigger ? `drop function ${qualified(reverseTriggerFunction(spec.target.schema, spec.target.table))}();` : '',
        `drop function ${qualified(reverseSyncFunction(schema, table))}(text[], boolean);`,
        `drop view ${qualified(legacyView(schema, table))};`,
      ].filter(Boolean).join('\n'),
    };
  },
};
