// Every object name cortex generates, in one place (pgroll-style), so generation, install, verify,
// diff and removal can never disagree about a name. SQL never builds these names itself: the
// generated SQL spells them out, and generic SQL reads them from cortex_migration.mapped_tables.

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

/** A function or view cortex generates for one mapped legacy table: [schema, name]. */
export type GeneratedName = [schema: string, name: string];

function generated(kind: string, schema: string, table: string, suffix = ''): GeneratedName {
  return [MIGRATION_SCHEMA, `${kind}_${schema}_${table}${suffix}`];
}

/** Trigger function of the dual-write triggers of one legacy table (phase 4). */
export function dualWriteFunction(schema: string, table: string): GeneratedName {
  return generated('dw', schema, table);
}

/** Trigger function of the change-log triggers of one legacy table (phase 3). */
export function changeLogFunction(schema: string, table: string): GeneratedName {
  return generated('log', schema, table);
}

/** Trigger function of the mapping trigger of one legacy table (phase 2). */
export function mappingFunction(schema: string, table: string): GeneratedName {
  return generated('map', schema, table);
}

/** The transform view of one legacy table: legacy row → target row (phase 3). */
export function transformView(schema: string, table: string): GeneratedName {
  return generated('tx', schema, table);
}

/** sync_<t>(old_ids): make the target agree with the transform for these legacy keys (phase 3). */
export function syncFunction(schema: string, table: string): GeneratedName {
  return generated('sync', schema, table);
}

/** sync_<t>_fill(old_ids): the backfill's first pass (insert and update only; phase 3). */
export function syncFillFunction(schema: string, table: string): GeneratedName {
  return generated('sync', schema, table, '_fill');
}

/** sync_<t>_one(old_id, …): dual-write's row path for one legacy row (phase 4). */
export function syncOneFunction(schema: string, table: string): GeneratedName {
  return generated('sync', schema, table, '_one');
}

/** below_<t>(ids): the target rows below these target rows, level by level (phase 3). */
export function belowFunction(schema: string, table: string): GeneratedName {
  return generated('below', schema, table);
}

/** The reverse transform view of one legacy table: target row → legacy row (phase 4). */
export function reverseView(schema: string, table: string): GeneratedName {
  return generated('rx', schema, table);
}

/**
 * lx_<t>: the legacy table as the reverse sync reaches it, a view bound to the table itself (not
 * its name), so the way back still writes it once the archive has renamed its schema (phase 4).
 */
export function legacyView(schema: string, table: string): GeneratedName {
  return generated('lx', schema, table);
}

/** rsync_<t>(new_ids): make the legacy table agree with its reverse view for these target ids (phase 4). */
export function reverseSyncFunction(schema: string, table: string): GeneratedName {
  return generated('rsync', schema, table);
}

/**
 * rv_<target schema>_<target table>(): the reverse trigger function of one target table (or of a
 * table whose rows fold back into legacy columns, like tag links), named after that table.
 */
export function reverseTriggerFunction(schema: string, table: string): GeneratedName {
  return generated('rv', schema, table);
}

/** The row-level trigger on each target table that writes the application's target writes back to legacy (phase 4). */
export const REVERSE_TRIGGER = 'cortex_reverse_sync';

/** Set ('on') while cortex writes the target from legacy rows: reverse triggers do not fire then. */
export const IN_FORWARD_SETTING = 'cortex.in_forward';

/** Set ('on') while cortex writes legacy rows from the target: forward triggers return at once then. */
export const IN_REVERSE_SETTING = 'cortex.in_reverse';

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
