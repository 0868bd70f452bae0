import { describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/client.js';
import { LOCK_ORDER } from '../../src/plan/alter-table-locks.js';
import { analyzeLocks } from '../../src/plan/locks.js';
import { resolveLocks } from '../../src/plan/resolve-locks.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('locks');

// The static analysis (and what `plan` asks the database: an index's table, the tables a CASCADE
// or DROP TABLE reaches) against the server: the strongest lock pg_locks shows on each table,
// view or materialized view that existed before must be the one predicted, and so must the lock
// on an index the statement names. ROW SHARE and weaker are left out (VALIDATE CONSTRAINT's ROW
// SHARE on a foreign key's parent is shown by `plan`, but blocks nothing we warn about).
const SETUP = `
  create schema if not exists lk;
  create table if not exists lk.p (id int primary key);
  create table if not exists lk.c (id int, pid int);
  create index if not exists c_pid_idx on lk.c (pid);
  create table if not exists lk.v (id int, pid int);
  create table if not exists lk.cc (id int primary key);
  create table if not exists lk.ref (id int primary key, x int references lk.cc (id));
  create table if not exists lk.ref2 (y int references lk.ref (id));
  create or replace view lk.vw as select * from lk.c;
  create materialized view if not exists lk.mv as select id from lk.p;
  do $$ begin
    if not exists (select 1 from pg_constraint where conname = 'v_fk') then
      alter table lk.v add constraint v_fk foreign key (pid) references lk.p (id) not valid;
      alter table lk.v add constraint v_check check (id > 0) not valid;
    end if;
  end $$;`;

const rank = (m: string) => LOCK_ORDER.indexOf(m as (typeof LOCK_ORDER)[number]);
const modeName = (m: string) => m.replace(/Lock$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
type Locks = Record<string, string>;

/** Keeps the strongest mode per relation, above ROW SHARE. */
function strongest(pairs: Array<[string, string]>): Locks {
  const out: Locks = {};
  for (const [rel, mode] of pairs) if (rank(mode) > rank(out[rel] ?? 'ROW SHARE')) out[rel] = mode;
  return out;
}

/** What analyzeLocks and resolveLocks predict, per relation (an index's table included). */
async function predict(sql: Sql, statement: string): Promise<Locks> {
  const pairs: Array<[string, string]> = [];
  for (const l of await resolveLocks(sql, analyzeLocks(statement))) {
    pairs.push([l.target, l.mode]);
    if (l.index?.tableMode && l.table) pairs.push([l.table, l.index.tableMode]);
  }
  return strongest(pairs);
}

/** Relations that exist now (oid → name): tables, views, materialized views, and the named indexes. */
async function existing(sql: Sql, indexes: string[]): Promise<Map<number, string>> {
  const rows = await sql<{ oid: number; name: string }[]>`
    select oid::int, oid::regclass::text as name from pg_class
    where relnamespace = 'lk'::regnamespace and (relkind in ('r', 'p', 'v', 'm') or oid::regclass::text = any(${indexes}))`;
  return new Map(rows.map((r) => [r.oid, r.name]));
}

/** Granted relation locks of backend `pid` on `relations`, strongest per relation. */
async function held(sql: Sql, pid: number, relations: Map<number, string>): Promise<Locks> {
  const rows = await sql<{ rel: number; mode: string }[]>`
    select relation::int as rel, mode from pg_locks where pid = ${pid} and locktype = 'relation' and granted`;
  return strongest(rows.filter((r) => relations.has(r.rel)).map((r) => [relations.get(r.rel)!, modeName(r.mode)]));
}

const indexesNamed = (statement: string) => analyzeLocks(statement).filter((l) => l.index).map((l) => l.target);

describe('analyzeLocks agrees with pg_locks (real PostgreSQL)', () => {
  // Each runs in a transaction that is rolled back.
  const cases = [
    'alter table lk.c add constraint c_fk foreign key (pid) references lk.p (id) not valid',
    'alter table lk.c add constraint c_fk foreign key (pid) references lk.p (id)',
    'alter table lk.c add column q int references lk.p (id)',
    'alter table lk.v validate constraint v_fk',
    'alter table lk.v validate constraint v_check',
    'alter table lk.c alter column pid set not null',
    'alter table lk.c add constraint c_fk foreign key (pid) references lk.p (id) not valid, alter column id set not null',
    'alter table lk.c alter column pid set statistics 200',
    'alter table lk.c set (fillfactor = 70)',
    'alter table lk.c set (autovacuum_enabled = false, toast_tuple_target = 200)',
    'alter table lk.c set (user_catalog_table = true)',
    'alter table lk.c reset (fillfactor)',
    'alter table lk.c rename column pid to pid2',
    'create table lk.n (id int, pid int references lk.p (id))',
    'create index i on lk.c (pid)',
    'drop index lk.c_pid_idx',
    'reindex index lk.c_pid_idx',
    'reindex table lk.c',
    'alter index lk.c_pid_idx rename to c_pid_idx2',
    'alter index lk.c_pid_idx set (fillfactor = 70)',
    'alter index lk.c_pid_idx set tablespace pg_default',
    'truncate lk.cc cascade',
    'truncate lk.c, only lk.v',
    'drop table lk.ref2',
    'drop table lk.cc cascade',
    'create or replace view lk.vw as select * from lk.c',
    'drop view lk.vw',
    'alter view lk.vw rename to vw2',
    'refresh materialized view lk.mv',
  ];

  it.each(cases)('%s', async (statement) => {
    const sql = db().sql;
    await sql.unsafe(SETUP);
    let predicted: Locks = {};
    let taken: Locks = {};
    await sql
      .begin(async (tx) => {
        const relations = await existing(tx, indexesNamed(statement));
        predicted = await predict(tx, statement);
        await tx.unsafe(statement);
        const [me] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
        taken = await held(tx, me!.pid, relations);
        throw new Error('rollback');
      })
      .catch((e: Error) => {
        if (e.message !== 'rollback') throw e;
      });
    expect(predicted).toEqual(taken);
  });

  // These cannot run in a transaction: each runs on its own connection while another holds a
  // write on lk.c, which it must wait for after taking its locks; pg_locks is read while it waits.
  // (A lock it took only after that wait would be missed: the docs name one mode throughout.)
  const concurrent = [
    'create index concurrently ci on lk.c (id)',
    'drop index concurrently lk.c_pid_idx',
    'reindex index concurrently lk.c_pid_idx',
    'reindex table concurrently lk.c',
  ];

  it.each(concurrent)('%s', async (statement) => {
    const sql = db().sql;
    await sql.unsafe(SETUP);
    const relations = await existing(sql, indexesNamed(statement));
    const predicted = await predict(sql, statement);
    const blocker = await sql.reserve();
    const runner = await sql.reserve();
    try {
      await blocker`begin`;
      await blocker`insert into lk.c values (1, null)`;
      const [me] = await runner<{ pid: number }[]>`select pg_backend_pid() as pid`;
      const running = runner.unsafe(statement).catch((e: Error) => e);
      let waiting = false;
      for (let i = 0; i < 200 && !waiting; i++) {
        const [a] = await sql<{ w: string | null }[]>`select wait_event_type as w from pg_stat_activity where pid = ${me!.pid}`;
        waiting = a?.w === 'Lock';
        if (!waiting) await new Promise((r) => setTimeout(r, 25));
      }
      expect(waiting, 'the statement waits for the open write').toBe(true);
      const taken = await held(sql, me!.pid, relations);
      await blocker`rollback`;
      expect(await running).not.toBeInstanceOf(Error);
      expect(predicted).toEqual(taken);
    } finally {
      blocker.release();
      runner.release();
      await sql`drop index if exists lk.ci`;
    }
  });
});
