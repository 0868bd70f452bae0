-- Parallel backfill (DESIGN §8), PostgreSQL as the coordinator: each mapped table's key range is
-- cut once into keyset chunks, which any number of workers (`cortex migrate phase 3 --workers N`,
-- `cortex backfill work` on other machines) claim with FOR UPDATE SKIP LOCKED. Phase 3's data:
-- created and dropped with the phase, emptied by its rollback, like backfill_checkpoints.

-- A chunk: the keys after `lo` (exclusive; null: from the first key) up to `hi` (inclusive) of one
-- legacy table, in the order cortex_migration.next_batch walks them. Each committed batch moves
-- `last_key` and `rows_done` with its work, so a chunk taken over continues where it stopped; the
-- batch that reaches `hi` (or finds no key left) sets `finished_at`.
-- The owner is a backend (pid and backend_start of the worker's work connection), not a lock: a
-- chunk whose owner is no longer in pg_stat_activity (a killed worker's connection ends) is free
-- for the next claim, and no transaction stays open for a whole chunk (which would hold back vacuum).
create table cortex_migration.backfill_chunks (
  old_schema  text not null,
  old_table   text not null,
  chunk       integer not null,
  lo          text[],
  hi          text[] not null,
  rows_total  bigint not null,
  -- The table's target references itself (a task's parent task): its chunks are copied one at a
  -- time in key order, since a child copied before its parent waits in quarantine, one key at a time.
  in_order    boolean not null default false,
  last_key    text[],
  rows_done   bigint not null default 0,
  batches     integer not null default 0,
  owner_pid   integer,
  owner_start timestamptz,
  worker      uuid,
  claimed_at  timestamptz,
  updated_at  timestamptz not null default clock_timestamp(),
  finished_at timestamptz,
  primary key (old_schema, old_table, chunk)
);

-- One row per worker that ever joined the backfill: where it runs, its work connection (live
-- while that backend is in pg_stat_activity and finished_at is null), what it did, the chunk it
-- holds, and the governor's state it recorded with its last batch (for `cortex status`).
create table cortex_migration.backfill_workers (
  id            uuid primary key,
  host          text not null,
  pid           integer not null,
  role          text not null check (role in ('migrate', 'work')),
  backend_pid   integer not null,
  backend_start timestamptz,
  started_at    timestamptz not null default clock_timestamp(),
  updated_at    timestamptz not null default clock_timestamp(),
  finished_at   timestamptz,
  chunks_done   integer not null default 0,
  batches       integer not null default 0,
  rows          bigint not null default 0,
  cur_schema    text,
  cur_table     text,
  cur_chunk     integer,
  governor      jsonb
);

-- Every `chunk_rows`-th key of a legacy table after `after_key` (null: from the first) up to
-- `stop_key`, in key order: the upper bounds of its full chunks (the caller adds the last,
-- partial one, up to stop_key). One ordered walk of the key's index.
create function cortex_migration.chunk_bounds(m cortex_migration.mapped_tables, after_key text[], stop_key text[],
                                              chunk_rows integer) returns setof text[]
language plpgsql stable as $$
declare
  cols text := (select string_agg(format('%I', c), ', ' order by o) from unnest(m.key_columns) with ordinality k(c, o));
  casts text := (select string_agg(format('%%1$s[%s]::%s', o, format_type(a.atttypid, a.atttypmod)), ', ' order by o)
                 from unnest(m.key_columns) with ordinality k(c, o)
                 join pg_attribute a on a.attrelid = format('%I.%I', m.old_schema, m.old_table)::regclass and a.attname = k.c);
  texts text := (select string_agg(format('%I::text', c), ', ' order by o) from unnest(m.key_columns) with ordinality k(c, o));
begin
  return query execute format(
    'select lk from (select array[%s] as lk, row_number() over (order by %s) as rn
                       from %I.%I s where ($1 is null or (%s) > (%s)) and (%s) <= (%s)) k
      where rn %% $3 = 0 order by rn',
    texts, cols, m.old_schema, m.old_table, cols, format(casts, '$1'), cols, format(casts, '$2'))
    using after_key, stop_key, chunk_rows;
end $$;

-- Claim a chunk for worker `p_worker` on this connection, in one short transaction: the first
-- free chunk of the first table (in mapped_tables' dependency order, parents first) that still has
-- chunks left (a table whose target references itself: its first chunk left), skipping chunks
-- another claim has locked. Free: no owner, an owner whose backend is
-- gone (pid and backend_start; another role's backend_start reads as null), or this very backend.
-- The table's checkpoint row is opened with its first claim; the worker's row names the chunk.
create function cortex_migration.claim_chunk(p_worker uuid) returns setof cortex_migration.backfill_chunks
language plpgsql volatile as $$
declare
  me timestamptz := (select backend_start from pg_stat_activity where pid = pg_backend_pid());
  c cortex_migration.backfill_chunks;
begin
  -- A claim lost in a crash of the server is void anyway (every owner's backend is gone with it):
  -- no need to wait for its WAL flush, which with fsync on cost a claim as much as a batch's commit.
  perform set_config('synchronous_commit', 'off', true);
  select ch.* into c from cortex_migration.backfill_chunks ch
    join cortex_migration.mapped_tables m using (old_schema, old_table)
   where ch.finished_at is null
     and m.position = (select min(m2.position) from cortex_migration.backfill_chunks c2
                         join cortex_migration.mapped_tables m2 using (old_schema, old_table) where c2.finished_at is null)
     and (not ch.in_order or not exists (select 1 from cortex_migration.backfill_chunks e
                                          where e.old_schema = ch.old_schema and e.old_table = ch.old_table
                                            and e.chunk < ch.chunk and e.finished_at is null))
     and (ch.owner_pid is null or ch.owner_pid = pg_backend_pid()
          or not exists (select 1 from pg_stat_activity a
                          where a.pid = ch.owner_pid and (a.backend_start = ch.owner_start or a.backend_start is null)))
   order by ch.chunk limit 1
   for update of ch skip locked;
  if not found then return; end if;
  update cortex_migration.backfill_chunks set owner_pid = pg_backend_pid(), owner_start = me, worker = p_worker,
         claimed_at = clock_timestamp(), updated_at = clock_timestamp()
   where (old_schema, old_table, chunk) = (c.old_schema, c.old_table, c.chunk)
   returning * into c;
  insert into cortex_migration.backfill_checkpoints (old_schema, old_table, rows_total)
  select c.old_schema, c.old_table, sum(rows_total) from cortex_migration.backfill_chunks
   where old_schema = c.old_schema and old_table = c.old_table
  on conflict do nothing;
  update cortex_migration.backfill_workers set cur_schema = c.old_schema, cur_table = c.old_table, cur_chunk = c.chunk,
         updated_at = clock_timestamp() where id = p_worker;
  return next c;
end $$;
