// One spec per mapped table: everything the generated functions and triggers of that table are
// built from, stated once. The transform itself (legacy row → target row, and why a row cannot be
// migrated) is the table's transform view, hand-written SQL; the spec says what the view yields.

/** A column of a table: its name and SQL type as `format_type` spells it. */
export interface TypedColumn {
  readonly name: string;
  readonly type: string;
}

/** A target foreign key to another mapped table's target: rows below a parent (its dependents). */
export interface Reference {
  /** The target column holding the parent's new id. */
  readonly column: string;
  /** Its SQL type. */
  readonly type: string;
  /** The parent's legacy table, `schema.table`. */
  readonly parent: string;
}

/** How the reverse sync makes the legacy key of a row the application created on the target. */
export type ReverseKey =
  /** The key column's own sequence (a serial or bigserial key). */
  | { readonly kind: 'sequence' }
  /** A new uuid (gen_random_uuid()). */
  | { readonly kind: 'uuid' }
  /** A composite key: the reverse view yields the key columns (mapped back from the target's references). */
  | { readonly kind: 'columns' };

/** Another target table whose rows fold back into this legacy row (tag links): the column holding this table's target id. */
export interface ReverseOwner {
  /** `schema.table` of the other target table. */
  readonly table: string;
  /** Its column holding the target id of the row it belongs to. */
  readonly column: string;
}

/**
 * The way back (phase 4 on): the application's writes on the target reach the legacy table through
 * the reverse view cortex_migration.rx_<schema>_<table> (target row → legacy row, hand-written
 * beside the forward transform).
 */
export interface ReverseSpec {
  /** The legacy columns the reverse view yields and the reverse sync writes, in the view's order (not the key). */
  readonly columns: readonly string[];
  /** How a new legacy key is made. */
  readonly key: ReverseKey;
  /**
   * Legacy columns where the forward transform is not one-to-one, and the value the reverse writes
   * (the canonical one), in words: `status: 'todo comes back as pending'`.
   */
  readonly canonical: Readonly<Record<string, string>>;
  /** Other target tables whose writes change this legacy row: their reverse trigger re-syncs it too. */
  readonly owners?: readonly ReverseOwner[];
}

/** A mapped legacy table and its target. */
export interface TableSpec {
  readonly legacy: {
    readonly schema: string;
    readonly table: string;
    /** The legacy key, in order; a composite key is written `a:b` as the old id. */
    readonly key: readonly TypedColumn[];
  };
  readonly target: {
    readonly schema: string;
    readonly table: string;
    /** SQL type of the target's `id`. */
    readonly idType: string;
  };
  /** Id prefix of a core entity (`cp`…): its rows also have a row in cortex_foundation.entities. */
  readonly prefix?: string;
  /** content_type of the tag links and relationships of its rows. */
  readonly contentType: string;
  /** The target columns the transform view yields, in its order (`id` first). */
  readonly columns: readonly string[];
  /** The view also yields `_tags` (a jsonb list of tag names), passed through from this legacy column. */
  readonly tags?: { readonly from: string };
  /** The view also yields `_links` (relationships derived from the row). */
  readonly links?: true;
  /** The legacy columns the transform view reads, in table order. */
  readonly reads: readonly string[];
  /** Legacy columns copied as they are into the target column of the same name, and read nowhere else. */
  readonly plain: readonly string[];
  /**
   * Legacy columns mapped into the target column of the same name by an expression of that column
   * alone (`%s` stands for the legacy value), read nowhere else but to quarantine the row when the
   * expression gives null.
   */
  readonly derived: Readonly<Record<string, string>>;
  /** The target's foreign keys to other mapped tables' targets. */
  readonly references: readonly Reference[];
  /**
   * Target columns the forward transform fills only when it creates a target row (a default, or a
   * value the legacy row has no column for: `updated_at` from created_at, a member's `status`):
   * the application owns them afterwards, so a later legacy write does not overwrite them and
   * content parity does not compare them. Each is also target-only in phases/coverage.json.
   */
  readonly insertOnly?: readonly string[];
  /** The way back; absent: the application's writes on the target are not synced back yet. */
  readonly reverse?: ReverseSpec;
}

/** The target columns a forward sync updates on an existing row: all it yields but the insert-only ones. */
export function updatedColumns(spec: TableSpec): string[] {
  return spec.columns.filter((c) => !(spec.insertOnly ?? []).includes(c));
}

/** `schema.table` of a spec's legacy table. */
export function legacyName(spec: TableSpec): string {
  return `${spec.legacy.schema}.${spec.legacy.table}`;
}

/** Declare a table spec (typed, and frozen so no generator can change it). */
export function defineTable(spec: TableSpec): TableSpec {
  return Object.freeze(spec);
}

/** The references of other tables that point at this one: the tables below it. */
export function dependentsOf(spec: TableSpec, all: readonly TableSpec[]): Array<{ child: TableSpec; reference: Reference }> {
  const name = legacyName(spec);
  return all.flatMap((child) => child.references.filter((r) => r.parent === name).map((reference) => ({ child, reference })));
}

// The entity_type each id prefix is registered with in cortex_foundation.entities.
const ENTITY_TYPES: Readonly<Record<string, string>> = {
  cu: 'user', cs: 'space', cp: 'person', cc: 'company', cg: 'group', co: 'object', cj: 'project', ca: 'account',
};

/** entity_type of a core entity's rows in cortex_foundation.entities, from its id prefix. */
export function entityType(prefix: string): string {
  const type = ENTITY_TYPES[prefix];
  if (!type) throw new Error(`no entity type for the id prefix ${prefix}`);
  return type;
}
