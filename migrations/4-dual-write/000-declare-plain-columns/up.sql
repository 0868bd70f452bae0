-- Which legacy columns dual-write may copy (or derive, by a function of the column alone) without
-- re-running the transform, and the UPDATE branch of the trigger functions that does it (used by
-- 001-create-dual-write when it builds them).

-- Plain columns: legacy columns the transform copies as they are into the target column of the
-- same name and uses nowhere else (not in a check, a reference, tags, links, the entity registry
-- or a relationship's created_at). An UPDATE that changes nothing else only has to copy
-- them: one UPDATE of the target through the mapping, instead of re-running the whole transform
-- (a 100k-row UPDATE of crm.tasks.updated_at: 5.1 s → 2.9 s of trigger time, PostgreSQL 15).
-- The test suite changes every column listed here and compares the target with a rebuild.
create table cortex_migration.plain_columns (
  old_schema text not null,
  old_table  text not null,
  columns    text[] not null,
  primary key (old_schema, old_table),
  foreign key (old_schema, old_table) references cortex_migration.mapped_tables on delete cascade
);
insert into cortex_migration.plain_columns (old_schema, old_table, columns) values
  ('app', 'users', '{password_hash, is_email_verified, is_active, last_login_at}'),
  ('app', 'workspaces', '{settings}'),
  ('app', 'spaces', '{description, icon, is_archived, sort_order}'),
  ('app', 'space_items', '{sort_order, added_at}'),
  ('crm', 'contacts', '{notes, date_of_birth}'),
  ('crm', 'contact_phones', '{is_primary}'),
  ('crm', 'contact_emails', '{is_primary}'),
  ('crm', 'companies', '{is_client, is_vendor}'),
  ('crm', 'projects', '{description, start_date, end_date}'),
  ('crm', 'tasks', '{description, due_date, completed_at, updated_at}'),
  ('crm', 'notes', '{updated_at}'),
  ('calendar', 'events', '{description, is_all_day, updated_at}'),
  ('finance', 'accounts', '{institution_name, current_balance}'),
  ('finance', 'transactions', '{amount, description, transaction_date}'),
  ('finance', 'payables', '{amount, amount_paid, bill_date, due_date, description}'),
  ('finance', 'receivables', '{amount, amount_received, invoice_date, due_date, description}');

-- Derived columns: legacy columns the transform maps, through a function of that column alone,
-- into the target column of the same name, and reads nowhere else except to quarantine the row
-- when that function gives null. The plain path writes them through their expression (`%s`
-- stands for the legacy value) like plain columns; a statement in which any row's value gives
-- null goes to the full sync, which quarantines that row. A one-row status change of crm.tasks
-- then skips the transform's six mapping lookups (PostgreSQL 15, 4 clients, five status changes
-- per transaction: 1,135–1,177 → 1,695–1,894 tps).
create table cortex_migration.derived_columns (
  old_schema  text not null,
  old_table   text not null,
  column_name text not null,
  expression  text not null,
  primary key (old_schema, old_table, column_name),
  foreign key (old_schema, old_table) references cortex_migration.mapped_tables on delete cascade
);
insert into cortex_migration.derived_columns (old_schema, old_table, column_name, expression) values
  ('crm', 'tasks', 'status', 'cortex_migration.task_status(%s)');

-- The UPDATE branch of dw_<schema>_<table>() for a table with plain or derived columns (both
-- called plain below). When every row kept its key and changed plain columns, and only those, it
-- copies them into the target and returns (a one-row `set updated_at = now()` on crm.tasks: 0.8
-- of the throughput without triggers, 0.55 through the row path; PostgreSQL 15, 2 clients). A
-- one-row statement is read into two records and compared there; a larger one by a join of the
-- transition tables. A row that changed nothing at all goes to the full sync, as before the plain
-- path: touching a legacy row re-syncs it. Only the legacy columns the transform view reads are
-- compared: a column it ignores may change, or be dropped by the application, without
-- consequence. Any other case, a quarantined key, a target row not found, or any error (a column
-- renamed since phase 4, say), undoes the copy and leaves ids null for the generic block, so the
-- full sync runs as before. A one-row statement that changed other columns runs the row path
-- here, in this block's subtransaction (one savepoint instead of two: one-row contact renames,
-- 4 clients, five per transaction, 1,035–1,079 tps before, 1,075–1,099 after); check_tags is false
-- when the row's legacy tags did not change but something else did. If the row path does not
-- handle the row, or fails (its writes are undone with the block's), row_tried sends the key
-- straight to the set path.
create function cortex_migration.plain_update_block(m cortex_migration.mapped_tables) returns text
language plpgsql stable as $build$
declare
  plain text[] := coalesce((select p.columns from cortex_migration.plain_columns p
                             where p.old_schema = m.old_schema and p.old_table = m.old_table), '{}');
  derived text[];
  legacy regclass := format('%I.%I', m.old_schema, m.old_table)::regclass;
  target regclass := format('%I.%I', m.new_schema, m.new_table)::regclass;
  k text := m.key_columns[1];
  tx_view regclass := format('cortex_migration.%I', cortex_migration.transform_view_name(m))::regclass;
  read text[];
  others text[];
  tags_source text;
  bad text;
  -- For the set branch (transition tables s, o) and then the one-row branch (records nrow, orow):
  -- "only plain columns changed", what the copy writes, when it may write, and check_tags.
  n text;
  o text;
  only_plain text[];
  copies text[];
  valid text[];
  tags text[];
begin
  derived := array(select d.column_name from cortex_migration.derived_columns d
                    where d.old_schema = m.old_schema and d.old_table = m.old_table order by 1);
  if cardinality(plain) + cardinality(derived) = 0 then
    return '';
  end if;
  if cardinality(m.key_columns) <> 1 then
    raise exception 'plain columns of %.%: only tables with a one-column key have a plain path', m.old_schema, m.old_table;
  end if;
  -- The legacy columns the transform view reads (its rewrite rule depends on each of them).
  read := array(select a.attname::text from pg_depend d join pg_rewrite r on r.oid = d.objid
                  join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
                 where d.classid = 'pg_rewrite'::regclass and r.ev_class = tx_view and d.refobjid = legacy
                   and d.refobjsubid > 0 and not a.attisdropped
                 order by a.attnum);
  select string_agg(c, ', ') into bad from unnest(plain || derived) c
   where c = k or c = 'created_at' or c <> all (read)
      or not exists (select 1 from pg_attribute a where a.attrelid = target and a.attname = c and a.attnum > 0 and not a.attisdropped)
      or (m.prefix is not null and c in ('updated_at', 'created_by'));
  if bad is not null then
    raise exception 'plain columns of %.%: % cannot be copied as they are', m.old_schema, m.old_table, bad;
  end if;
  others := array(select c from unnest(read) c where c <> all (plain || derived));
  -- The legacy column the view passes through as its tag list (`x.tags AS _tags` in every
  -- transform so far). Without one, check_tags stays true: the row path always compares tag links.
  tags_source := (select substring(pg_get_viewdef(tx_view) from '\m\w+\.(\w+) AS _tags,'));
  if tags_source is not null and tags_source <> all (read) then
    tags_source := null;
  end if;

  foreach n in array array['s', 'nrow'] loop
    o := case n when 's' then 'o' else 'orow' end;
    only_plain := only_plain || format('(%s) is not distinct from (%s) and (%s) is distinct from (%s)',
      (select string_agg(format('%I.%I', o, c), ', ') from unnest(others) c), (select string_agg(format('%I.%I', n, c), ', ') from unnest(others) c),
      (select string_agg(format('%I.%I', o, c), ', ') from unnest(plain || derived) c), (select string_agg(format('%I.%I', n, c), ', ') from unnest(plain || derived) c));
    -- Plain columns as they are, derived ones through their expression, which must give a value.
    copies := copies || concat_ws(', ', (select string_agg(format('%I = %I.%I', c, n, c), ', ') from unnest(plain) c),
      (select string_agg(format('%I = %s', d.column_name, format(d.expression, format('%I.%I', n, d.column_name))), ', ')
         from cortex_migration.derived_columns d where d.old_schema = m.old_schema and d.old_table = m.old_table));
    valid := valid || coalesce((select string_agg(format(' and %s is not null', format(d.expression, format('%I.%I', n, d.column_name))), '')
         from cortex_migration.derived_columns d where d.old_schema = m.old_schema and d.old_table = m.old_table), '');
    -- Tag links need comparing when the tags changed, or when nothing did (a touch re-syncs all).
    tags := tags || case when tags_source is null then 'true' else format('%1$I.%2$I is distinct from %3$I.%2$I or ((%4$s) is not distinct from (%5$s))',
      o, tags_source, n, (select string_agg(format('%I.%I', o, c), ', ') from unnest(read) c), (select string_agg(format('%I.%I', n, c), ', ') from unnest(read) c)) end;
  end loop;

  return format($b$
  if tg_op = 'UPDATE' then
    begin
      select count(*) into n_rows from new_rows;
      if n_rows = 1 then
        -- One row, what applications mostly send: its old and new values compared here, without
        -- a join of the transition tables (measured: a one-row task update's trigger 107 → 89 µs).
        select s.* into nrow from new_rows s;
        select o.* into orow from old_rows o;
        if nrow.%1$I is not distinct from orow.%1$I then
          first_id := %2$s;
          check_tags := %3$s;
          if %4$s then
            update %5$s t set %6$s
             where t.id = (select mm.new_id::%7$s from cortex_migration.migration_mappings mm
                            where mm.old_schema = %8$L and mm.old_table = %9$L and mm.old_id = first_id)%10$s
               and not exists (select 1 from cortex_migration.quarantine q
                                where q.old_schema = %8$L and q.old_table = %9$L and q.old_id = first_id);
            get diagnostics n_copied = row_count;
            if n_copied = 1 then
              return null;
            end if;
            raise sqlstate 'P0001' using message = 'cortex: plain path incomplete';
          end if;
          -- The row path, inside this block's subtransaction rather than one of its own.
          ids := array[first_id];
          row_tried := true;
          if cortex_migration.%11$I(first_id, check_tags, false) >= 0 then
            return null;
          end if;
        end if;
      elsif n_rows > 1 then
        select count(*) filter (where %12$s) into n_plain
          from new_rows s left join old_rows o on o.%1$I = s.%1$I;
        if n_plain = n_rows then
          with copied as (
            update %5$s t set %13$s
              from new_rows s join cortex_migration.migration_mappings mm
                on mm.old_schema = %8$L and mm.old_table = %9$L and mm.old_id = %14$s
             where t.id = mm.new_id::%7$s%15$s
               and not exists (select 1 from cortex_migration.quarantine q
                                where q.old_schema = %8$L and q.old_table = %9$L and q.old_id = %14$s)
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
  end if;$b$,
    k,
    cortex_migration.key_expression(m.key_columns, 'nrow'),
    tags[2], only_plain[2],
    target, copies[2],
    (select format_type(a.atttypid, a.atttypmod) from pg_attribute a where a.attrelid = target and a.attname = 'id'),
    m.old_schema, m.old_table,
    valid[2],
    cortex_migration.sync_function_name(m) || '_one',
    only_plain[1], copies[1],
    cortex_migration.key_expression(m.key_columns, 's'),
    valid[1]);
end $build$;
