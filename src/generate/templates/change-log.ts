// Phase 3: from the start of the backfill until dual-write takes a table over, every write to it
// is logged (keys only), so phase 4 can replay what the backfill could not see.
import type { Template } from '../generate.js';
import { changeLogFunction } from '../../names.js';
import { literal, qualified } from '../sql.js';
import { changedKeys } from './changed-keys.js';
import { SKIP_REVERSE_WRITES } from './direction.js';

/**
 * log_<schema>_<table>(): the change-log trigger function. Static SQL per table: transition tables
 * are visible only to the trigger function's own statements, and a generic function would build,
 * parse and plan its query on every write.
 */
export const changeLogTrigger: Template = {
  source: 'change-log',
  render(spec) {
    const { schema, table } = spec.legacy;
    const fn = qualified(changeLogFunction(schema, table));
    return {
      up: `create function ${fn}() returns trigger language plpgsql as $$
declare
  ids text[];
begin
  -- A write the reverse sync made mirrors one already in the target: nothing to replay.
  ${SKIP_REVERSE_WRITES}
  ${changedKeys(spec)}
  -- Nothing to log once dual-write has taken the table over.
  if cardinality(ids) > 0 and not exists (select 1 from cortex_migration.capture c
                                          where c.old_schema = ${literal(schema)} and c.old_table = ${literal(table)} and c.mode = 'sync') then
    insert into cortex_migration.change_log (old_schema, old_table, old_ids) values (${literal(schema)}, ${literal(table)}, ids);
  end if;
  return null;
end $$;`,
      down: `drop function ${fn}();`,
    };
  },
};
