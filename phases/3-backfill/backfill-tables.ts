// What phase 3 fills, shared by its step and its checks.
import type { Sql } from '../../src/db/client.js';
import { mappedTables } from '../../src/db/mapped-tables.js';

/** Every target table the backfill writes, main and derived. */
export const FILLED_TABLES = [
  'cortex_communication.channel_entity_links',
  'cortex_foundation.content_tags',
  'cortex_foundation.entity_tags',
  'cortex_foundation.tags',
  'cortex_foundation.entity_relationships',
  'cortex_foundation.space_items',
  'cortex_foundation.workspace_members',
  'cortex_foundation.workspaces',
  'cortex_scheduling.event_participants',
  'cortex_scheduling.events',
  'cortex_knowledge.notes',
  'cortex_projects.tasks',
  'cortex_projects.projects',
  'cortex_finance.transactions',
  'cortex_finance.bills_payable',
  'cortex_finance.bills_receivable',
  'cortex_finance.accounts',
  'cortex_entities.contact_phones',
  'cortex_entities.contact_emails',
  'cortex_entities.persons',
  'cortex_entities.companies',
  'cortex_entities.groups',
  'cortex_foundation.spaces',
  'cortex_foundation.users',
  'cortex_foundation.entities',
] as const;

/** Target rows the backfill did not write (no mapping, not a derived link), per target table. */
export async function foreignRows(sql: Sql): Promise<string[]> {
  const out: string[] = [];
  const targets = new Set((await mappedTables(sql)).map((t) => `${t.new_schema}.${t.new_table}`));
  for (const name of targets) {
    const [schema, table] = name.split('.') as [string, string];
    const derived = table === 'entity_relationships';
    const [r] = await sql<{ n: number }[]>`
      select count(*)::int as n from ${sql(schema)}.${sql(table)} x
      where not exists (select 1 from cortex_migration.migration_mappings mm where mm.new_id = x.id::text)
        and not (${derived} and coalesce(to_jsonb(x)->'metadata' ? 'derived_from', false))`;
    if (r!.n > 0) out.push(`${name} (${r!.n})`);
  }
  // Tables the backfill never writes but that point at what it wrote would be emptied by the
  // cascade: any row there is the application's.
  const dependents = await sql<{ name: string }[]>`
    select distinct format('%I.%I', n.nspname, c.relname) as name
    from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
    where k.contype = 'f' and k.confrelid = any(${[...FILLED_TABLES]}::regclass[])
      and format('%I.%I', n.nspname, c.relname) <> all(${[...FILLED_TABLES]}::text[])`;
  for (const d of dependents) {
    const [schema, table] = d.name.split('.') as [string, string];
    const [r] = await sql<{ n: number }[]>`select count(*)::int as n from ${sql(schema)}.${sql(table)}`;
    if (r!.n > 0) out.push(`${d.name} (${r!.n})`);
  }
  return out;
}

/** Per mapped table: legacy rows, target rows that came from it, quarantined rows. */
export async function parityCounts(sql: Sql) {
  const out: Array<{ table: string; legacy: number; target: number; quarantined: number; pending: number }> = [];
  for (const t of await mappedTables(sql)) {
    const [r] = await sql<{ legacy: string; target: string; quarantined: string; pending: string }[]>`
      select (select count(*) from ${sql(t.old_schema)}.${sql(t.old_table)}) as legacy,
             (select count(*) from ${sql(t.new_schema)}.${sql(t.new_table)} x
               join cortex_migration.migration_mappings mm on mm.new_id = x.id::text
              where mm.old_schema = ${t.old_schema} and mm.old_table = ${t.old_table}) as target,
             (select count(*) from cortex_migration.quarantine q
               where q.old_schema = ${t.old_schema} and q.old_table = ${t.old_table}) as quarantined,
             (select count(distinct k) from cortex_migration.change_log c, unnest(c.old_ids) k
               where c.old_schema = ${t.old_schema} and c.old_table = ${t.old_table}) as pending`;
    out.push({
      table: `${t.old_schema}.${t.old_table}`,
      legacy: Number(r!.legacy),
      target: Number(r!.target),
      quarantined: Number(r!.quarantined),
      pending: Number(r!.pending),
    });
  }
  return out;
}
