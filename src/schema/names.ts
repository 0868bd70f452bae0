// Dotted object names with identifiers quoted as PostgreSQL's quote_ident quotes them, so that
// table "x.y".z and table x."y.z" get different names. Quoting is done here, not by the server:
// the keyword list is PostgreSQL 17's (its pg_get_keywords() that are not unreserved), so every
// supported server names an object alike (PostgreSQL 15 does not reserve json, for instance).

const KEYWORDS = new Set(
  [
    'all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case',
    'cast char character check coalesce collate collation column concurrently constraint create cross',
    'current_catalog current_date current_role current_schema current_time current_timestamp current_user dec',
    'decimal default deferrable desc distinct do else end except exists extract false fetch float for foreign',
    'freeze from full grant greatest group grouping having ilike in initially inner inout int integer intersect',
    'interval into is isnull join json json_array json_arrayagg json_exists json_object json_objectagg json_query',
    'json_scalar json_serialize json_table json_value lateral leading least left like limit localtime',
    'localtimestamp merge_action national natural nchar none normalize not notnull null nullif numeric offset on',
    'only or order out outer overlaps overlay placing position precision primary real references returning right',
    'row select session_user setof similar smallint some substring symmetric system_user table tablesample then',
    'time timestamp to trailing treat trim true union unique user using values varchar variadic verbose when where',
    'window with xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot',
    'xmlserialize xmltable',
  ].join(' ').split(' '),
);

/** An identifier as quote_ident (PostgreSQL 17) writes it: bare when it needs no quotes. */
export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !KEYWORDS.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

/** A dotted name of quoted identifiers: qualify('x.y', 'z') is '"x.y".z'. */
export function qualify(...parts: string[]): string {
  return parts.map(quoteIdent).join('.');
}

/**
 * The identifiers of a dotted name, unquoted: splitName('"x.y".z') is ['x.y', 'z']. A function's
 * argument list stays on its last part.
 */
export function splitName(name: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    if (quoted) {
      if (ch === '"' && name[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === '.') {
      parts.push(cur);
      cur = '';
    } else if (ch === '(') {
      parts.push(cur + name.slice(i));
      return parts;
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}
