// Every object name cortex generates on tables it does not own, in one place (pgroll-style), so
// install, verify, diff and removal can never disagree about a name.

/** Statement-level trigger on each mapped legacy table that maps newly inserted rows (phase 2). */
export const MAPPING_TRIGGER = 'cortex_map_new_rows';

/** Statement-level triggers (one per event: transition tables allow one event each) on each mapped
 * legacy table that write the target (phase 4). Named after the mapping trigger on purpose:
 * AFTER triggers fire in name order, so rows are mapped before they are synced. */
export const DUAL_WRITE_TRIGGERS = {
  INSERT: 'cortex_sync_insert',
  UPDATE: 'cortex_sync_update',
  DELETE: 'cortex_sync_delete',
} as const;

/** Statement-level triggers on each mapped legacy table that log changed keys for catch-up (phase 3 on). */
export const CHANGE_LOG_TRIGGERS = {
  INSERT: 'cortex_log_insert',
  UPDATE: 'cortex_log_update',
  DELETE: 'cortex_log_delete',
} as const;

/** Schema that holds the ledger and every migration-support object. */
export const MIGRATION_SCHEMA = 'cortex_migration';

/** Name a legacy schema gets when archived (phase 6). */
export function deprecatedSchema(schema: string): string {
  return `${schema}_deprecated`;
}
