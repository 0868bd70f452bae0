// The CTEs of the set path's one statement. sync_<t>(old_ids) and sync_<t>_fill(old_ids) read the
// transform view once (materialized) and write quarantine, registry, target, removals, tags and
// links in one statement; the target's foreign keys are checked at its end, after every CTE.
import { transformView } from '../../names.js';
import { entityType, legacyName, type TableSpec, updatedColumns } from '../spec.js';
import { derivedId, ident, list, literal, qualified, tagId } from '../sql.js';

/** Which of the two sync functions a statement is for. */
export interface SyncVariant {
  /**
   * sync_<t>_fill, the backfill's first pass: insert and update only. Nothing can be stale there:
   * an interrupted batch rolled back whole, and later changes are replayed in full by phase 4.
   */
  readonly fill: boolean;
  /** Rows of other mapped tables hang off this table's target rows (the full variant only). */
  readonly dependents: boolean;
}

// `mm.old_schema = 'crm' and mm.old_table = 'tasks'`: the mappings of this table's rows.
function mappings(spec: TableSpec): string {
  return `mm.old_schema = ${literal(spec.legacy.schema)} and mm.old_table = ${literal(spec.legacy.table)}`;
}

// The keys of this call the transform did not find good: their legacy row is gone or quarantined.
const NOT_GOOD = 'mm.old_id in (select k from unnest(old_ids) k except select _old_id from good)';

function target(spec: TableSpec): string {
  return qualified([spec.target.schema, spec.target.table]);
}

/** src, good, q_put: the transform's rows for these keys, the good ones, and the others quarantined. */
export function sourceCtes(spec: TableSpec): string[] {
  const { schema, table } = spec.legacy;
  return [
    `src as materialized (
    select * from ${qualified(transformView(schema, table))} v where v._legacy_key = any(keys) and v._old_id = any(old_ids))`,
    'good as materialized (select * from src where _problem is null)',
    `q_put as (
    insert into cortex_migration.quarantine as q (old_schema, old_table, old_id, code, reason, awaited_table, awaited_key, source)
    select ${literal(schema)}, ${literal(table)}, _old_id, _problem->>'code', _problem->>'reason', _problem->>'awaited_table',
           _problem->>'awaited_key', coalesce(current_setting('cortex.sync_source', true), 'backfill')
      from src where _problem is not null
    on conflict (old_schema, old_table, old_id) do update set code = excluded.code, reason = excluded.reason,
      awaited_table = excluded.awaited_table, awaited_key = excluded.awaited_key, last_seen = clock_timestamp())`,
  ];
}

/**
 * q_clear: these keys leave the quarantine unless the transform still finds a problem. With
 * dependents it returns them: the rows below keys that left the quarantine are retried.
 */
export function quarantineClear(spec: TableSpec, v: SyncVariant): string {
  return `q_clear as (
    delete from cortex_migration.quarantine q
     where q.old_schema = ${literal(spec.legacy.schema)} and q.old_table = ${literal(spec.legacy.table)} and q.old_id = any(old_ids)
       and not exists (select 1 from src where src._problem is not null and src._old_id = q.old_id)${v.dependents ? `
    returning q.old_id` : ''})`;
}

/**
 * gone: a row whose legacy row is gone or quarantined loses its target and registry rows. Where
 * other mapped rows hang off it, the statement only returns their ids and the function removes
 * them afterwards with the rows below them; elsewhere a delete in the statement is all.
 */
export function goneCtes(spec: TableSpec, v: SyncVariant): string[] {
  const { idType } = spec.target;
  if (v.dependents) {
    const registered = spec.prefix ? ' or exists (select 1 from cortex_foundation.entities e where e.id = mm.new_id)' : '';
    return [`gone as (
    select mm.new_id::text as id from cortex_migration.migration_mappings mm
     where ${mappings(spec)}
       and ${NOT_GOOD}
       and (exists (select 1 from ${target(spec)} t where t.id = mm.new_id::${idType})${registered}))`];
  }
  const gone = `gone as (
    delete from ${target(spec)} t using cortex_migration.migration_mappings mm
     where ${mappings(spec)}
       and ${NOT_GOOD}
       and t.id = mm.new_id::${idType})`;
  if (!spec.prefix) return [gone];
  return [gone, `gone_registry as (
    delete from cortex_foundation.entities t using cortex_migration.migration_mappings mm
     where ${mappings(spec)}
       and ${NOT_GOOD}
       and t.id = mm.new_id)`];
}

/** registry: a core entity's row in cortex_foundation.entities, written only when it changed. */
export function registryCte(spec: TableSpec & { prefix: string }): string {
  const createdBy = spec.columns.includes('created_by') ? 'created_by' : 'null::varchar';
  return `registry as (
    insert into cortex_foundation.entities as t (id, entity_type, name, created_at, updated_at, created_by)
    select id, ${literal(entityType(spec.prefix))}, left(_entity_name, 255), created_at, updated_at, ${createdBy} from good
    on conflict (id) do update set name = excluded.name, created_at = excluded.created_at,
      updated_at = excluded.updated_at, created_by = excluded.created_by
    where (t.name, t.created_at, t.updated_at, t.created_by) is distinct from
          (excluded.name, excluded.created_at, excluded.updated_at, excluded.created_by))`;
}

/**
 * wanted_tags, tag_put, tag_drop, tag_link: the rows' tags (global, one id per name) and their
 * links, entity_tags for a core entity and content_tags otherwise. Links already present are
 * filtered out first (cheaper than a conflicting insert), except in the fill pass, where there
 * are none yet; nor is there a stale link to drop.
 */
export function tagCtes(spec: TableSpec, v: SyncVariant): string[] {
  const ctes = [
    `wanted_tags as materialized (
    select g.id::text as owner, e as name, ${tagId('e')} as tag_id
      from good g, jsonb_array_elements_text(g._tags) e where g._tags is not null)`,
    `tag_put as (
    insert into cortex_foundation.tags (id, name, tag_type, scope)
    select distinct tag_id, name, 'category', 'global' from wanted_tags on conflict do nothing)`,
  ];
  if (spec.prefix) {
    if (!v.fill) ctes.push(`tag_drop as (
    delete from cortex_foundation.entity_tags et using cortex_migration.migration_mappings mm
     where ${mappings(spec)} and mm.old_id = any(old_ids) and et.entity_id = mm.new_id
       and not exists (select 1 from wanted_tags w where w.owner = et.entity_id and w.tag_id = et.tag_id))`);
    ctes.push(`tag_link as (
    insert into cortex_foundation.entity_tags (id, entity_id, tag_id)
    select distinct ${derivedId(literal('entity-tag'), 'owner', 'name')}, owner, tag_id from wanted_tags w${v.fill ? '' : `
     where not exists (select 1 from cortex_foundation.entity_tags x where x.entity_id = w.owner and x.tag_id = w.tag_id)`}
    on conflict do nothing)`);
    return ctes;
  }
  const type = literal(spec.contentType);
  if (!v.fill) ctes.push(`tag_drop as (
    delete from cortex_foundation.content_tags ct using cortex_migration.migration_mappings mm
     where ${mappings(spec)} and mm.old_id = any(old_ids)
       and ct.content_type = ${type} and ct.content_id = mm.new_id
       and not exists (select 1 from wanted_tags w where w.owner = ct.content_id and w.tag_id = ct.tag_id))`);
  ctes.push(`tag_link as (
    insert into cortex_foundation.content_tags (id, content_type, content_id, tag_id)
    select distinct ${derivedId(literal('content-tag'), type, 'owner', 'name')}, ${type}, owner, tag_id from wanted_tags w${v.fill ? '' : `
     where not exists (select 1 from cortex_foundation.content_tags x where x.content_type = ${type} and x.content_id = w.owner and x.tag_id = w.tag_id)`}
    on conflict do nothing)`);
  return ctes;
}

/**
 * wanted_links, link_drop, link_put: the view's _links ([{"type", "from"?, "to"?, "meta"?}])
 * become relationships of this content row, one per type, marked with the legacy table they were
 * derived from (so a drop touches only those).
 */
export function linkCtes(spec: TableSpec, v: SyncVariant): string[] {
  const type = literal(spec.contentType);
  const from = literal(legacyName(spec));
  const ctes = [`wanted_links as materialized (
    select ${derivedId(literal('link'), 'g.id::text', "l->>'type'")} as id, l->>'from' as from_entity_id,
           l->>'to' as to_entity_id, g.id::text as content_id, l->>'type' as relationship_type,
           coalesce(l->'meta', '{}'::jsonb) || jsonb_build_object('derived_from', ${from}) as metadata, g.created_at
      from good g, jsonb_array_elements(g._links) l)`];
  if (!v.fill) ctes.push(`link_drop as (
    delete from cortex_foundation.entity_relationships r using cortex_migration.migration_mappings mm
     where ${mappings(spec)} and mm.old_id = any(old_ids)
       and r.content_type = ${type} and r.content_id = mm.new_id and r.metadata->>'derived_from' = ${from}
       and not exists (select 1 from wanted_links w where w.id = r.id))`);
  ctes.push(`link_put as (
    insert into cortex_foundation.entity_relationships as r (id, from_entity_id, to_entity_id, content_type, content_id, relationship_type, metadata, created_at)
    select id, from_entity_id, to_entity_id, ${type}, content_id, relationship_type, metadata, created_at from wanted_links
    on conflict (id) do update set from_entity_id = excluded.from_entity_id, to_entity_id = excluded.to_entity_id,
      metadata = excluded.metadata, created_at = excluded.created_at
    where (r.from_entity_id, r.to_entity_id, r.metadata, r.created_at) is distinct from
          (excluded.from_entity_id, excluded.to_entity_id, excluded.metadata, excluded.created_at))`);
  return ctes;
}

/** upserted: the good rows into the target, a row updated only when a column changed. */
export function upsertCte(spec: TableSpec): string {
  const cols = spec.columns;
  const updated = updatedColumns(spec);
  return `upserted as (
    insert into ${target(spec)} as t (${list(cols)})
    select ${list(cols)} from good
    on conflict (id) do update set ${updated.map((c) => `${ident(c)} = excluded.${ident(c)}`).join(', ')}
    where (${list(updated, 't.')}) is distinct from (${list(updated, 'excluded.')})
    returning 1)`;
}

/** Every CTE of the statement, in the order they are written. */
export function syncCtes(spec: TableSpec, v: SyncVariant): string[] {
  return [
    ...sourceCtes(spec),
    ...(v.fill ? [] : [quarantineClear(spec, v), ...goneCtes(spec, v)]),
    ...(spec.prefix ? [registryCte({ ...spec, prefix: spec.prefix })] : []),
    ...(spec.tags ? tagCtes(spec, v) : []),
    ...(spec.links ? linkCtes(spec, v) : []),
    upsertCte(spec),
  ];
}
