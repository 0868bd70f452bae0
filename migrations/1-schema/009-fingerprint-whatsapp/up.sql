-- A fingerprint of the whatsapp schema (DDL and data), taken now and re-checked by every later
-- verify: proof that no phase wrote, renamed or altered it. Reads only.
create function cortex_migration.whatsapp_fingerprint(
  out ddl_hash text, out data_hash text, out table_rows jsonb)
language plpgsql stable as $$
declare
  t record;
  n bigint;
  h numeric;
  hashes text := '';
begin
  select md5(coalesce(string_agg(line, E'\n' order by line), '')) into ddl_hash from (
    select format('col %s.%s %s %s %s %s', c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
                  a.attnotnull, pg_get_expr(d.adbin, d.adrelid)) as line
    from pg_class c join pg_namespace s on s.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
    where s.nspname = 'whatsapp'
    union all
    select format('rel %s %s', c.relname, c.relkind) from pg_class c join pg_namespace s on s.oid = c.relnamespace
    where s.nspname = 'whatsapp'
    union all
    select format('con %s.%s %s', r.relname, k.conname, pg_get_constraintdef(k.oid))
    from pg_constraint k join pg_class r on r.oid = k.conrelid join pg_namespace s on s.oid = r.relnamespace
    where s.nspname = 'whatsapp'
    union all
    select format('idx %s', pg_get_indexdef(i.indexrelid))
    from pg_index i join pg_class r on r.oid = i.indrelid join pg_namespace s on s.oid = r.relnamespace
    where s.nspname = 'whatsapp'
    union all
    select format('trg %s', pg_get_triggerdef(g.oid))
    from pg_trigger g join pg_class r on r.oid = g.tgrelid join pg_namespace s on s.oid = r.relnamespace
    where s.nspname = 'whatsapp' and not g.tgisinternal
  ) x;

  table_rows := '{}'::jsonb;
  for t in select c.relname from pg_class c join pg_namespace s on s.oid = c.relnamespace
           where s.nspname = 'whatsapp' and c.relkind = 'r' order by c.relname loop
    -- Order-independent: a sum of 60-bit slices of each row's md5, plus the row count.
    execute format('select count(*), coalesce(sum((''x'' || substr(md5(x::text), 1, 15))::bit(60)::bigint::numeric), 0) from whatsapp.%I x', t.relname)
      into n, h;
    table_rows := table_rows || jsonb_build_object(t.relname, n);
    hashes := hashes || t.relname || ':' || n || ':' || h || E'\n';
  end loop;
  data_hash := md5(hashes);
end $$;

create table cortex_migration.whatsapp_fingerprint (
  id         integer primary key default 1 check (id = 1),
  taken_at   timestamptz not null default clock_timestamp(),
  ddl_hash   text not null,
  data_hash  text not null,
  table_rows jsonb not null
);

insert into cortex_migration.whatsapp_fingerprint (ddl_hash, data_hash, table_rows)
select ddl_hash, data_hash, table_rows from cortex_migration.whatsapp_fingerprint();
