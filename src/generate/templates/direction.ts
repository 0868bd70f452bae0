// Which way a write is being synced, so neither direction's triggers sync the other's writes back
// (no loops). Each side marks its writes with a function-level SET, which PostgreSQL restores when
// the function returns or fails: every function that writes the target from legacy rows runs with
// cortex.in_forward on, every function that writes legacy rows from the target with
// cortex.in_reverse on. The reverse triggers are not even queued while in_forward is on (their
// WHEN); the forward ones return at once while in_reverse is on.
import { IN_FORWARD_SETTING, IN_REVERSE_SETTING } from '../../names.js';
import { literal } from '../sql.js';

/** SET clause of a function that writes the target from legacy rows. */
export const FORWARD = `set ${IN_FORWARD_SETTING} = 'on'`;

/** SET clause of a function that writes legacy rows from the target. */
export const REVERSE = `set ${IN_REVERSE_SETTING} = 'on'`;

/** First statement of a legacy table's trigger function: a write the reverse sync made is not synced forward again. */
export const SKIP_REVERSE_WRITES = `if current_setting(${literal(IN_REVERSE_SETTING)}, true) = 'on' then
    return null;
  end if;`;

/** WHEN clause of a reverse trigger: the forward sync's own writes of the target queue nothing. */
export const UNLESS_FORWARD = `current_setting(${literal(IN_FORWARD_SETTING)}, true) is distinct from 'on'`;
