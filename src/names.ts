// Every object name cortex generates on tables it does not own, in one place (pgroll-style), so
// install, verify, diff and removal can never disagree about a name.

/** Statement-level trigger on each mapped legacy table that maps newly inserted rows (phase 2). */
export const MAPPING_TRIGGER = 'cortex_map_new_rows';

/** Row-level trigger on each mapped legacy table that writes the target (phase 4). */
export const DUAL_WRITE_TRIGGER = 'cortex_dual_write';

/** Row-level trigger on each mapped legacy table that logs changes for catch-up (phase 2 on). */
export const CHANGE_LOG_TRIGGER = 'cortex_change_log';

/** Schema that holds the ledger and every migration-support object. */
export const MIGRATION_SCHEMA = 'cortex_migration';

/** Name a legacy schema gets when archived (phase 6). */
export function deprecatedSchema(schema: string): string {
  return `${schema}_deprecated`;
}
