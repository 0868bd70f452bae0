// Phase 4: the plain path of dual-write. An UPDATE that changed only plain columns (the spec's
// `plain`: copied as they are) or derived ones (`derived`: an expression of the column alone) only
// has to copy them: one UPDATE of the target through the mapping, instead of re-running the whole
// transform (a 100k-row UPDATE of crm.tasks.updated_at: 5.1 s → 2.9 s of trigger time; a one-row
// status change of crm.tasks skips the transform's six mapping lookups, 4 clients, five status
// changes per transaction: 1,135–1,177 → 1,695–1,894 tps; PostgreSQL 15).
import { legacyName, type TableSpec } from '../spec.js';
import { ident, keyText, literal, qualified } from '../sql.js';
import { syncOneFunction } from '../../names.js';

/** The columns of a spec's plain path, checked: plain ones in their order, then derived ones by name. */
export interface PlainColumns {
  readonly plain: readonly string[];
  /** Derived columns by name, each with its expression of the legacy value (`%s`). */
  readonly derived: ReadonlyArray<{ readonly column: string; readonly expression: string }>;
}

/**
 * The plain and derived columns of a spec, refused (with every offending column named) unless each
 * is a legacy column the transform reads and a target column it yields, and none is the key,
 * created_at, a reference to another table, the tag list or an insert-only column, nor the registry's updated_at or
 * created_by of a core entity (the transform reads those for the registry row too). Undefined when
 * the table has neither.
 */
export function plainColumns(spec: TableSpec): PlainColumns | undefined {
  const derived = Object.keys(spec.derived).sort().map((column) => ({ column, expression: spec.derived[column]! }));
  const all = [...spec.plain, ...derived.map((d) => d.column)];
  if (all.length === 0) return undefined;
  const what = `plain columns of ${legacyName(spec)}`;
  if (spec.legacy.key.length !== 1) throw new Error(`${what}: only tables with a one-column key have a plain path`);
  const bad = all.filter((c) =>
    c === spec.legacy.key[0]!.name || c === 'created_at' || c === 'id' || !spec.reads.includes(c) || !spec.columns.includes(c)
    || spec.references.some((r) => r.column === c) || c === spec.tags?.from || (spec.insertOnly ?? []).includes(c)
    || (spec.prefix !== undefined && (c === 'updated_at' || c === 'created_by')));
  if (bad.length > 0) throw new Error(`${what}: ${bad.join(', ')} cannot be copied as they are`);
  const odd = derived.filter((d) => d.expression.split('%').length !== 2 || !d.expression.includes('%s'));
  if (odd.length > 0) throw new Error(`${what}: the expression of ${odd.map((d) => d.column).join(', ')} must hold %s once and no other %`);
  return { plain: spec.plain, derived };
}

/** A derived column's expression applied to `value`. */
function applied(expression: string, value: string): string {
  return expression.replace('%s', value);
}

// `(a.x, a.y)` for the columns, or `(a.x)` for one.
function tuple(alias: string, columns: readonly string[]): string {
  return `(${columns.map((c) => `${alias}.${ident(c)}`).join(', ')})`;
}

// The pieces of the plain path for one pair of row names: `n` the new row, `o` the old one.
function pieces(spec: TableSpec, cols: PlainColumns, n: string, o: string) {
  const copied = [...cols.plain, ...cols.derived.map((d) => d.column)];
  const others = spec.reads.filter((c) => !copied.includes(c));
  return {
    // Only plain columns changed: the others are equal and some plain one is not.
    onlyPlain: `${tuple(o, others)} is not distinct from ${tuple(n, others)} and ${tuple(o, copied)} is distinct from ${tuple(n, copied)}`,
    // Plain columns as they are, derived ones through their expression.
    copies: [...cols.plain.map((c) => `${ident(c)} = ${n}.${ident(c)}`),
      ...cols.derived.map((d) => `${ident(d.column)} = ${applied(d.expression, `${n}.${ident(d.column)}`)}`)].join(', '),
    // ... which must give a value (a null sends the statement to the full sync, which quarantines).
    valid: cols.derived.map((d) => ` and ${applied(d.expression, `${n}.${ident(d.column)}`)} is not null`).join(''),
  };
}

/**
 * The UPDATE branch of dw_<schema>_<table>() for a table with plain or derived columns (both called
 * plain below), and the variables it needs; undefined for a table without. When every row kept its
 * key and changed plain columns, and only those, it copies them into the target and returns (a
 * one-row `set updated_at = now()` on crm.tasks: 0.8 of the throughput without triggers, 0.55
 * through the row path; PostgreSQL 15, 2 clients). A one-row statement is read into two records and
 * compared there; a larger one by a join of the transition tables. A row that changed nothing at
 * all goes to the full sync, as before the plain path: touching a legacy row re-syncs it. Only the
 * legacy columns the transform view reads are compared: a column it ignores may change, or be
 * dropped by the application, without consequence. Any other case, a quarantined key, a target row
 * not found, or any error (a column renamed since phase 4, say), undoes the copy and leaves ids null
 * for the generic block, so the full sync runs as before. A one-row statement that changed other
 * columns runs the row path here, in this block's subtransaction (one savepoint instead of two:
 * one-row contact renames, 4 clients, five per transaction, 1,035–1,079 tps before, 1,075–1,099
 * after); check_tags is false when the row's legacy tags did not change but something else did. If
 * the row path does not handle the row, or fails (its writes are undone with the block's),
 * row_tried sends the key straight to the set path.
 */
export function plainUpdate(spec: TableSpec): { declare: string; block: string } | undefined {
  const cols = plainColumns(spec);
  if (!cols) return undefined;
  const { schema, table } = spec.legacy;
  const key = ident(spec.legacy.key[0]!.name);
  const target = qualified([spec.target.schema, spec.target.table]);
  const one = pieces(spec, cols, 'nrow', 'orow');
  const set = pieces(spec, cols, 's', 'o');
  // Tag links need comparing when the tags changed, or when nothing did (a touch re-syncs all).
  // Without a tag list the row path always compares them.
  const tags = spec.tags && spec.reads.includes(spec.tags.from) ? ident(spec.tags.from) : undefined;
  const checkTags = tags ? `orow.${tags} is distinct from nrow.${tags} or (${tuple('orow', spec.reads)} is not distinct from ${tuple('nrow', spec.reads)})` : 'true';
  const inQuarantine = (id: string) => `exists (select 1 from cortex_migration.quarantine q
                                where q.old_schema = ${literal(schema)} and q.old_table = ${literal(table)} and q.old_id = ${id})`;
  return {
    declare: `n_rows integer;
  nrow record;
  orow record;
  n_plain integer;
  n_copied integer;
  first_id text;`,
    block: `if tg_op = 'UPDATE' then
    begin
      select count(*) into n_rows from new_rows;
      if n_rows = 1 then
        -- One row, what applications mostly send: its old and new values compared here, without
        -- a join of the transition tables (measured: a one-row task update's trigger 107 → 89 µs).
        select s.* into nrow from new_rows s;
        select o.* into orow from old_rows o;
        if nrow.${key} is not distinct from orow.${key} then
          first_id := ${keyText(spec.legacy.key, 'nrow')};
          check_tags := ${checkTags};
          if ${one.onlyPlain} then
            update ${target} t set ${one.copies}
             where t.id = (select mm.new_id::${spec.target.idType} from cortex_migration.migration_mappings mm
                            where mm.old_schema = ${literal(schema)} and mm.old_table = ${literal(table)} and mm.old_id = first_id)${one.valid}
               and not ${inQuarantine('first_id')};
            get diagnostics n_copied = row_count;
            if n_copied = 1 then
              return null;
            end if;
            raise sqlstate 'P0001' using message = 'cortex: plain path incomplete';
          end if;
          -- The row path, inside this block's subtransaction rather than one of its own.
          ids := array[first_id];
          row_tried := true;
          if ${qualified(syncOneFunction(schema, table))}(first_id, check_tags, false) >= 0 then
            return null;
          end if;
        end if;
      elsif n_rows > 1 then
        select count(*) filter (where ${set.onlyPlain}) into n_plain
          from new_rows s left join old_rows o on o.${key} = s.${key};
        if n_plain = n_rows then
          with copied as (
            update ${target} t set ${set.copies}
              from new_rows s join cortex_migration.migration_mappings mm
                on mm.old_schema = ${literal(schema)} and mm.old_table = ${literal(table)} and mm.old_id = ${keyText(spec.legacy.key, 's')}
             where t.id = mm.new_id::${spec.target.idType}${set.valid}
               and not ${inQuarantine(keyText(spec.legacy.key, 's'))}
            returning 1)
          select count(*) into n_copied from copied;
          if n_copied = n_rows then
            return null;
          end if;
          -- Some row needs the full sync: undo the copy (the full sync redoes it).
          raise sqlstate 'P0001' using message = 'cortex: plain path incomplete';
        end if;
      end if;
    exception when others then
      ids := null;
    end;
  end if;`,
  };
}
