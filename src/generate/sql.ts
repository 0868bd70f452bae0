// Quoting and small pieces of SQL text for the templates. Identifiers are quoted exactly as
// PostgreSQL's quote_ident (and format('%I')) does, so generated code reads like hand-written SQL.

// Keywords quote_ident quotes (every category but unreserved), from pg_get_keywords().
const KEYWORDS = new Set(`all analyse analyze and any array as asc asymmetric authorization between bigint binary bit
boolean both case cast char character check coalesce collate collation column concurrently constraint create cross
current_catalog current_date current_role current_schema current_time current_timestamp current_user dec decimal
default deferrable desc distinct do else end except exists extract false fetch float for foreign freeze from full
grant greatest group grouping having ilike in initially inner inout int integer intersect interval into is isnull
join json json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar json_serialize
json_table json_value lateral leading least left like limit localtime localtimestamp merge_action national natural
nchar none normalize not notnull null nullif numeric offset on only or order out outer overlaps overlay placing
position precision primary real references returning right row select session_user setof similar smallint some
substring symmetric system_user table tablesample then time timestamp to trailing treat trim true union unique user
using values varchar variadic verbose when where window with xmlattributes xmlconcat xmlelement xmlexists xmlforest
xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable`.split(/\s+/));

/** An identifier as quote_ident writes it: bare when it can be, double-quoted otherwise. */
export function ident(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !KEYWORDS.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

/** `schema.name`, each part quoted as needed. */
export function qualified(name: readonly [string, string]): string {
  return `${ident(name[0])}.${ident(name[1])}`;
}

/** A string literal as quote_literal writes it. */
export function literal(value: string): string {
  return value.includes('\\') ? ` E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`.trim() : `'${value.replace(/'/g, "''")}'`;
}

/** Identifiers joined with `, `, each with an optional prefix (`t.` for `t.a, t.b`). */
export function list(names: readonly string[], prefix = ''): string {
  return names.map((n) => `${prefix}${ident(n)}`).join(', ');
}

/**
 * The legacy key of a row as text (key columns joined with ':', so a composite key stays
 * readable): `s.a::text || ':' || s.b::text`.
 */
export function keyText(key: readonly { name: string }[], alias: string): string {
  return key.map((k) => `${ident(alias)}.${ident(k.name)}::text`).join(` || ':' || `);
}

/**
 * The deterministic uuid of a derived row (a tag, a tag link, a relationship link), through the one
 * SQL rule for it, cortex_migration.derived_id (md5 of the parts joined with '|'), so reruns and
 * every write path converge. Parts are SQL: `derivedId(literal('tag'), literal('global'), 'e')`.
 */
export function derivedId(...parts: string[]): string {
  return `cortex_migration.derived_id(${parts.join(', ')})`;
}

/** The id of the global tag named by the SQL expression `name` (cortex_migration.tag_id: an existing tag's, else derived). */
export function tagId(name: string): string {
  return `cortex_migration.tag_id(${name})`;
}

/** Indent every line but the first by `n` spaces (for a multi-line piece placed inside another). */
export function indent(text: string, n: number): string {
  return text.replace(/\n/g, `\n${' '.repeat(n)}`);
}

/** Dollar-quote a function body with a tag it does not contain. */
export function dollarQuote(body: string): string {
  let tag = '$$';
  for (let i = 0; body.includes(tag); i++) tag = `$q${i}$`;
  return `${tag}${body}${tag}`;
}
