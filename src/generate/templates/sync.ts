// Phase 3: the set path. sync_<t>(old_ids) makes the target agree with the transform view for
// these legacy keys (backfill fallbacks, dual-write's bulk statements, catch-up, retries);
// sync_<t>_fill(old_ids) is the backfill's first pass. Callers choose the plan mode: backfill
// batches plan for their keys (force_custom_plan), dual-write reuses one cached generic plan and
// saves ~1 ms of planning per one-row write.
import type { Template } from '../generate.js';
import { belowFunction, syncFillFunction, syncFunction } from '../../names.js';
import { dependentsOf, legacyName, type TableSpec } from '../spec.js';
import { ident, literal, qualified } from '../sql.js';
import { FORWARD } from './direction.js';
import { syncCtes, type SyncVariant } from './sync-parts.js';

/**
 * Wait for in-flight writers of these legacy rows, then read them in a later statement (a fresh
 * snapshot): a sync never overwrites a newer dual-write with an older read. Dual-write skips it:
 * its keys are the rows its own statement wrote, already locked. (The fill pass skips it too, and
 * its row writes: it runs before dual-write exists, while every legacy write is logged and
 * replayed in full by phase 4, so a stale read there is corrected later.)
 */
function lockRows(spec: TableSpec): string {
  const { schema, table, key } = spec.legacy;
  return `if current_setting('cortex.sync_source', true) is distinct from 'dual-write' then
    perform 1 from ${qualified([schema, table])} where ${ident(key[0]!.name)} = any(keys) for share;
  end if;`;
}

/**
 * After the statement, where rows hang off this table: remove the gone rows, the rows below them
 * first (deepest first, so no foreign key blocks a delete), then sync the legacy keys of the rows
 * below again (parents first), so they end as a rebuild would leave them: quarantined while their
 * parent is missing. Rows already in quarantine below them are retried too: another of their
 * parents may be the one missing now, and a rebuild's reason names the first key that fails.
 * Last, the rows below keys that just left the quarantine are retried.
 */
function removeBelow(spec: TableSpec, all: readonly TableSpec[]): string {
  const { schema, table } = spec.legacy;
  const children = new Map(dependentsOf(spec, all).map((d) => [legacyName(d.child), d.child.legacy]));
  const waiting = [...children.keys()].sort()
    .map((name) => `(q.old_schema = ${literal(children.get(name)!.schema)} and q.old_table = ${literal(children.get(name)!.table)})`)
    .join(' or ');
  return `if gone_ids is not null then
    deps := array(select d from ${qualified(belowFunction(schema, table))}(gone_ids) d order by d.depth);
    for i in reverse cardinality(deps)..1 loop
      perform cortex_migration.delete_target_rows(deps[i].old_schema, deps[i].old_table, deps[i].new_ids);
    end loop;
    delete from ${qualified([spec.target.schema, spec.target.table])} where id = any(gone_ids::${spec.target.idType}[]);${spec.prefix ? `
    delete from cortex_foundation.entities where id = any(gone_ids::varchar[]);` : ''}
    if exists (select 1 from cortex_migration.quarantine q where ${waiting}) then
      perform cortex_migration.retry_dependents(${literal(schema)}, ${literal(table)}, gone_ids);
    end if;
    for i in 1..cardinality(deps) loop
      perform cortex_migration.sync_safely(deps[i].old_schema, deps[i].old_table, deps[i].old_ids);
    end loop;
  end if;
  if cleared_ids is not null then
    perform cortex_migration.retry_dependents(${literal(schema)}, ${literal(table)}, cleared_ids);
  end if;`;
}

/**
 * Rows quarantined while waiting for one of these keys to exist are retried (the legacy schema has
 * no foreign keys: a subtask may come before its parent). The fill pass has none to retry: phase
 * 2 mapped every row it copies.
 */
function retryWaiting(spec: TableSpec): string {
  const { schema, table } = spec.legacy;
  return `if exists (select 1 from cortex_migration.quarantine q where q.awaited_table = ${literal(legacyName(spec))}) then
    perform cortex_migration.retry_waiting(${literal(schema)}, ${literal(table)}, old_ids);
  end if;`;
}

// One sync function: the statement, and in the full variant the lock before it and the retries after.
function syncBody(spec: TableSpec, all: readonly TableSpec[], v: SyncVariant): string {
  const { schema, table, key } = spec.legacy;
  const fn = qualified(v.fill ? syncFillFunction(schema, table) : syncFunction(schema, table));
  // A composite key is locked and filtered by its first column; the view's _old_id picks the rows.
  const keyType = key[0]!.type;
  const results = ['(select count(*)::integer from upserted)'];
  const into = ['n'];
  if (v.dependents) {
    results.push('(select array_agg(id) from gone)', '(select array_agg(g.id::text) from good g join q_clear c on c.old_id = g._old_id)');
    into.push('gone_ids', 'cleared_ids');
  }
  return `create function ${fn}(old_ids text[]) returns integer language plpgsql ${FORWARD} as $$
declare
  keys ${keyType}[] := array(select split_part(x, ':', 1)::${keyType} from unnest(old_ids) x);
  n integer;${v.dependents ? `
  gone_ids text[];
  cleared_ids text[];
  deps cortex_migration.dependent_rows[];` : ''}
begin${v.fill ? '' : `
  ${lockRows(spec)}`}
  with ${syncCtes(spec, v).join(',\n  ')}
  select ${results.join(',\n         ')}
    into ${into.join(', ')};${v.dependents ? `
  ${removeBelow(spec, all)}` : ''}${v.fill ? '' : `
  ${retryWaiting(spec)}`}
  return n;
end $$;`;
}

/**
 * sync_<t>(old_ids) and sync_<t>_fill(old_ids): one statement whose CTEs read the transform view
 * once and write quarantine, registry, target, removals, tags and links.
 */
export const syncFunctions: Template = {
  source: 'sync',
  render(spec, all) {
    const { schema, table } = spec.legacy;
    const dependents = dependentsOf(spec, all).length > 0;
    return {
      up: `${syncBody(spec, all, { fill: false, dependents })}\n\n${syncBody(spec, all, { fill: true, dependents: false })}`,
      down: `drop function ${qualified(syncFillFunction(schema, table))}(text[]);
drop function ${qualified(syncFunction(schema, table))}(text[]);`,
    };
  },
};
