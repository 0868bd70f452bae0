// The legacy keys a firing statement touched, as the trigger functions of the change log and of
// dual-write both read them from the statement's transition tables.
import type { TableSpec } from '../spec.js';
import { keyText } from '../sql.js';

/**
 * PL/pgSQL that sets `ids` (text[]) to the legacy keys of the rows the statement inserted, deleted
 * or updated. A key appears once per transition table (it is the primary key), so only an UPDATE,
 * which may change a key, needs the union of new and old rows.
 */
export function changedKeys(spec: TableSpec): string {
  const key = keyText(spec.legacy.key, 's');
  return `if tg_op = 'INSERT' then
    ids := array(select ${key} from new_rows s);
  elsif tg_op = 'DELETE' then
    ids := array(select ${key} from old_rows s);
  else
    ids := array(select ${key} from new_rows s union select ${key} from old_rows s);
  end if;`;
}
