-- ID mapping infrastructure (seed 000 "Create ID Mapping Tables"), in cortex_migration.

-- The per-database secret: new ids are a keyed hash of the legacy key, so they are stable within
-- this database and cannot be computed from a legacy serial by anyone without the salt.
create table cortex_migration.id_salt (
  id         integer primary key default 1 check (id = 1),
  salt       text not null,
  created_at timestamptz not null default clock_timestamp()
);
insert into cortex_migration.id_salt (salt)
select encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text || clock_timestamp()::text, 'UTF8')), 'hex');

create table cortex_migration.migration_mappings (
  old_schema  varchar(50) not null,
  old_table   varchar(50) not null,
  old_id      varchar(200) not null,
  new_schema  varchar(50) not null,
  new_table   varchar(50) not null,
  new_id      varchar(50) not null unique,
  migrated_at timestamptz not null default now(),
  primary key (old_schema, old_table, old_id)
);

-- The coverage manifest as loaded at phase 2 (phases/coverage.json), and its mapped tables.
create table cortex_migration.coverage (
  legacy_table text primary key,
  status       text not null check (status in ('mapped', 'archived', 'preserved')),
  target       text,
  reason       text,
  check ((status = 'mapped') = (target is not null))
);

-- The mapped tables, from their specs (phases/tables): what the generic SQL (the sync helpers,
-- the checks) needs to know of each, and the names of the objects generated for it (src/names.ts).
create table cortex_migration.mapped_tables (
  old_schema          text not null,
  old_table           text not null,
  key_columns         text[] not null,
  key_type            text not null,     -- SQL type of the first key column (old ids are `a` or `a:b`)
  new_schema          text not null,
  new_table           text not null,
  prefix              text,              -- a core entity's id prefix: it has a registry row
  content_type        text not null,     -- of its content tags and derived relationships
  has_tags            boolean not null,
  has_links           boolean not null,
  position            integer not null,
  transform_view      text not null,
  sync_function       text not null,
  sync_fill_function  text not null,
  sync_one_function   text not null,
  below_function      text,              -- only where rows of other tables hang off this one's
  mapping_function    text not null,
  change_log_function text not null,
  dual_write_function text not null,
  reverse_sync_function text,            -- only where the application's target writes go back (phase 4)
  insert_only         text[] not null default '{}',  -- target columns the forward fills on insert only (not compared)
  primary key (old_schema, old_table)
);

-- The target's foreign keys between two mapped tables' targets (the specs' references): a child
-- row hangs off a parent row through child_column.
create table cortex_migration.mapped_references (
  child_schema  text not null,
  child_table   text not null,
  child_column  text not null,
  column_type   text not null,
  parent_schema text not null,
  parent_table  text not null,
  primary key (child_schema, child_table, child_column),
  foreign key (child_schema, child_table) references cortex_migration.mapped_tables on delete cascade,
  foreign key (parent_schema, parent_table) references cortex_migration.mapped_tables on delete cascade
);

-- New id of a legacy key: prefix_ + 32 hex digits for core entities, a uuid for content.
-- The salt is passed in (read once per statement), never spelled into SQL text or logs.
-- One expression and no FROM, so the planner inlines it: a non-inlined SQL function is parsed
-- again in every statement that calls it, which a one-row insert trigger pays each time. Only one
-- branch runs, so the hash is still computed once per row. Stable, not immutable: convert_to is
-- stable, and the planner inlines nothing more volatile than its declaration.
create function cortex_migration.new_id(salt text, prefix text, old_schema text, old_table text, old_id text)
returns varchar(50) language sql stable parallel safe as $$
  select (case when prefix is null
               then substr(encode(sha256(convert_to(salt || '|' || old_schema || '.' || old_table || '|' || old_id, 'UTF8')), 'hex'), 1, 32)::uuid::text
               else prefix || '_' || substr(encode(sha256(convert_to(salt || '|' || old_schema || '.' || old_table || '|' || old_id, 'UTF8')), 'hex'), 1, 32)
          end)::varchar(50)
$$;

-- The legacy key of a row as text, for the generic checks and batching: key columns joined with
-- ':' (composite keys stay readable), as src/generate/sql.ts keyText() writes it in generated code.
create function cortex_migration.key_expression(key_columns text[], alias text)
returns text language sql immutable as $$
  select string_agg(format('%I.%I::text', alias, c), ' || '':'' || ' order by o)
  from unnest(key_columns) with ordinality as k(c, o)
$$;

-- Phase 2's checks, one row per check (reads only). The mapping trigger's name is passed in
-- (src/names.ts names every trigger cortex installs).
create function cortex_migration.check_mappings(mapping_trigger text)
returns table (id text, status text, expected text, actual text, details text)
language plpgsql stable as $$
declare
  m cortex_migration.mapped_tables;
  legacy bigint;
  mapped bigint;
  extra bigint;
  bad bigint;
  pattern text;
  unknown text;
begin
  for m in select * from cortex_migration.mapped_tables order by position loop
    execute format(
      'select count(*), count(mm.old_id) from %I.%I s left join cortex_migration.migration_mappings mm
         on mm.old_schema = %L and mm.old_table = %L and mm.old_id = %s',
      m.old_schema, m.old_table, m.old_schema, m.old_table, cortex_migration.key_expression(m.key_columns, 's'))
      into legacy, mapped;
    select count(*) - mapped into extra from cortex_migration.migration_mappings mm
     where mm.old_schema = m.old_schema and mm.old_table = m.old_table;
    id := 'mapped-' || m.old_schema || '.' || m.old_table;
    status := case when legacy <> mapped then 'failed' when extra > 0 then 'warning' else 'passed' end;
    expected := legacy::text;
    actual := mapped::text;
    details := case when legacy <> mapped then (legacy - mapped) || ' legacy rows have no mapping'
                    when extra > 0 then extra || ' mappings of legacy rows deleted since phase 2' end;
    return next;

    pattern := case when m.prefix is null then '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                    else '^' || m.prefix || '_[0-9a-f]{32}$' end;
    select count(*) into bad from cortex_migration.migration_mappings mm
     where mm.old_schema = m.old_schema and mm.old_table = m.old_table
       and (mm.new_id !~ pattern or mm.new_schema <> m.new_schema or mm.new_table <> m.new_table);
    id := 'id-format-' || m.old_schema || '.' || m.old_table;
    status := case when bad = 0 then 'passed' else 'failed' end;
    expected := coalesce(m.prefix || '_ + 32 hex', 'uuid');
    actual := case when bad = 0 then expected else bad || ' malformed' end;
    details := null;
    return next;
  end loop;

  select count(*) - count(distinct new_id) into bad from cortex_migration.migration_mappings;
  id := 'new-id-unique'; status := case when bad = 0 then 'passed' else 'failed' end;
  expected := '0 duplicates'; actual := bad || ' duplicates'; details := null;
  return next;

  select string_agg(n.nspname || '.' || c.relname, ', ' order by 1) into unknown
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p') and not c.relispartition
    and n.nspname in (select distinct split_part(legacy_table, '.', 1) from cortex_migration.coverage)
    and not exists (select 1 from cortex_migration.coverage v where v.legacy_table = n.nspname || '.' || c.relname);
  id := 'coverage-complete'; status := case when unknown is null then 'passed' else 'failed' end;
  expected := 'every legacy table in the manifest'; actual := coalesce('not covered: ' || unknown, 'all covered');
  details := (select count(*) || ' tables: ' || count(*) filter (where v.status = 'mapped') || ' mapped, '
                     || count(*) filter (where v.status = 'archived') || ' archived, '
                     || count(*) filter (where v.status = 'preserved') || ' preserved' from cortex_migration.coverage v);
  return next;

  select string_agg(m2.old_schema || '.' || m2.old_table, ', ') into unknown
  from cortex_migration.mapped_tables m2
  where not exists (select 1 from pg_trigger g where g.tgrelid = format('%I.%I', m2.old_schema, m2.old_table)::regclass
                    and g.tgname = mapping_trigger and g.tgenabled <> 'D');
  id := 'mapping-triggers'; status := case when unknown is null then 'passed' else 'failed' end;
  expected := 'enabled on every mapped table'; actual := coalesce('missing on ' || unknown, 'present'); details := null;
  return next;
end $$;
