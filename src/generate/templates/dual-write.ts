// Phase 4, dual-write (seed 000 "Database Triggers for Data Sync"): one statement-level trigger per
// event applies the backfill's transform to the keys the statement touched. An UPDATE that changed
// only plain columns takes the plain path (plain-update.ts): one UPDATE of the target. Any other
// one-row statement (what an application mostly sends) takes the row path (sync-one.ts); anything
// else, and any row the row path cannot write, takes the set-based sync function of the backfill.
// A key that cannot be migrated is quarantined; the application's write always commits.
import type { Template } from '../generate.js';
import { dualWriteFunction, syncFunction, syncOneFunction } from '../../names.js';
import { legacyName } from '../spec.js';
import { indent, literal, qualified } from '../sql.js';
import { changedKeys } from './changed-keys.js';
import { FORWARD, SKIP_REVERSE_WRITES } from './direction.js';
import { mappingInsert } from './mapping.js';
import { plainUpdate } from './plain-update.js';

/**
 * dw_<schema>_<table>(), the trigger function of one mapped table, with static SQL only: plpgsql
 * prepares each statement once per session, so a one-row write pays for no planning. It runs
 * without JIT: the transition tables have no statistics, so a bulk statement's queries are
 * estimated at millions of rows and got compiled (PostgreSQL 15: 240 ms of a 100k-row UPDATE's
 * 1.3 s in the plain path's analysis; 95 ms of a 10k-row UPDATE's 640 ms in the sync). The
 * function's SET puts the application's value back on return; one-row writes showed no difference
 * (1,323–1,415 tps before, 1,362–1,395 after, 4 clients).
 */
export const dualWriteTrigger: Template = {
  source: 'dual-write',
  render(spec) {
    const { schema, table } = spec.legacy;
    const fn = qualified(dualWriteFunction(schema, table));
    const plain = plainUpdate(spec);
    // Without a plain path the keys are always read here; with one, only when it handed the statement on.
    const keys = plain
      ? `${plain.block}
  if ids is null then
    ${indent(changedKeys(spec), 2)}
  end if;`
      : changedKeys(spec);
    return {
      up: `create function ${fn}() returns trigger language plpgsql set jit = off ${FORWARD} as $$
declare
  ids text[];
  plan_mode text;${plain ? `\n  ${plain.declare}` : ''}
  check_tags boolean := true;
  row_tried boolean := false;
begin
  ${SKIP_REVERSE_WRITES}
  ${keys}
  if cardinality(ids) = 1 and not row_tried then
    -- The row path: one subtransaction, no settings touched. A row it does not handle (-1), or any
    -- error, leaves nothing behind and the set path below starts over, so the outcome is the
    -- same as if the row path did not exist. New rows were mapped by the mapping trigger, which
    -- fires first (name order); an unmapped row is not handled here.
    begin
      if ${qualified(syncOneFunction(schema, table))}(ids[1], check_tags, tg_op = 'INSERT') >= 0 then
        return null;
      end if;
    exception when others then
      null;
    end;
  end if;
  plan_mode := current_setting('plan_cache_mode');
  begin
    if tg_op = 'INSERT' then
      -- Map new rows here too, so sync never depends on the order triggers fire in.
      ${indent(mappingInsert(spec, 'new_rows'), 6)};
    end if;
    perform set_config('cortex.sync_source', 'dual-write', true);
    -- Small statements reuse a cached generic plan (no planning per write); bulk statements get a
    -- plan made for their size. The application's own setting is restored afterwards.
    perform set_config('plan_cache_mode',
      case when cardinality(ids) <= 64 then 'force_generic_plan' else 'force_custom_plan' end, true);
    begin
      perform ${qualified(syncFunction(schema, table))}(ids);
    exception when others then
      -- One key at a time, quarantining the ones that cannot be written.
      perform cortex_migration.sync_safely(${literal(schema)}, ${literal(table)}, ids);
    end;
    perform set_config('plan_cache_mode', plan_mode, true);
  exception when others then
    -- Last line of defence: record the keys and let the application's write commit.
    begin
      insert into cortex_migration.quarantine (old_schema, old_table, old_id, code, reason, source)
      select ${literal(schema)}, ${literal(table)}, k, 'failed', 'dual-write failed: ' || sqlerrm, 'dual-write' from unnest(ids) k
      on conflict (old_schema, old_table, old_id) do update set code = excluded.code, reason = excluded.reason,
        awaited_table = null, awaited_key = null, last_seen = clock_timestamp();
    exception when others then
      raise warning ${literal(`cortex dual-write on ${legacyName(spec).replace(/%/g, '%%')} failed: %`)}, sqlerrm;
    end;
    perform set_config('plan_cache_mode', plan_mode, true);
  end;
  return null;
end $$;`,
      down: `drop function ${fn}();`,
    };
  },
};
