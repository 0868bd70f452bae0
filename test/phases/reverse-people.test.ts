// The way back for people, companies and groups: the application's writes on cortex_entities (and
// their tag links in entity_tags) reach crm.contacts, contact_phones, contact_emails, companies and
// groups; a later legacy write of the same row gives the target back as the application wrote it.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../phases/tables/index.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import { reverseView, transformView } from '../../src/names.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('rpeople');
const cli = (args: string[]) => runCli(['--database-url', db().url, ...args]);

type Row = Record<string, unknown>;
interface Mapped { new_id: string; old_id: string }

const spec = (name: string) => TABLES.find((t) => `${t.legacy.schema}.${t.legacy.table}` === name)!;
const at = (iso: string) => new Date(iso);

/** The legacy row a target row maps to (undefined: none, or its legacy row is gone). */
async function legacyOf(name: string, targetId: string): Promise<Row | undefined> {
  const sql = db().sql;
  const { schema, table, key } = spec(name).legacy;
  const [row] = await sql<Row[]>`
    select l.* from ${sql(schema)}.${sql(table)} l
      join cortex_migration.migration_mappings m on m.old_schema = ${schema} and m.old_table = ${table} and m.old_id = l.${sql(key[0]!.name)}::text
     where m.new_id = ${targetId}`;
  return row;
}

/** The mappings of a target id: the reverse made exactly one, to its new legacy key. */
async function mappingsOf(targetId: string): Promise<Array<{ old_table: string; old_id: string }>> {
  return db().sql<Array<{ old_table: string; old_id: string }>>`
    select old_table, old_id from cortex_migration.migration_mappings where new_id = ${targetId}`;
}

/** The names of the tags linked to an entity, sorted. */
async function tagsOf(entityId: string): Promise<string[]> {
  const rows = await db().sql<{ name: string }[]>`
    select t.name from cortex_foundation.entity_tags et join cortex_foundation.tags t on t.id = et.tag_id
     where et.entity_id = ${entityId} order by t.name`;
  return rows.map((r) => r.name);
}

/** A legacy write of the row that changes nothing: dual-write runs the forward transform of it. */
async function touchLegacy(name: string, targetId: string): Promise<void> {
  const sql = db().sql;
  const s = spec(name);
  const { schema, table, key } = s.legacy;
  const col = s.reverse!.columns[0]!;
  const n = await sql`
    update ${sql(schema)}.${sql(table)} set ${sql(col)} = ${sql(col)}
     where ${sql(key[0]!.name)}::text = (select old_id from cortex_migration.migration_mappings
                                          where old_schema = ${schema} and old_table = ${table} and new_id = ${targetId})`;
  expect(n.count).toBe(1);
}

/** The forward transform of the legacy row is the target row (every column it yields, and its tags); nothing is quarantined. */
async function expectForwardAgrees(name: string, targetId: string): Promise<void> {
  const sql = db().sql;
  const s = spec(name);
  const [f] = await sql<{ j: Row }[]>`
    select to_jsonb(v) as j from ${sql(transformView(s.legacy.schema, s.legacy.table)[0])}.${sql(transformView(s.legacy.schema, s.legacy.table)[1])} v
      join cortex_migration.migration_mappings m on m.old_schema = ${s.legacy.schema} and m.old_table = ${s.legacy.table} and m.old_id = v._old_id
     where m.new_id = ${targetId}`;
  const [t] = await sql<{ j: Row }[]>`select to_jsonb(t) as j from ${sql(s.target.schema)}.${sql(s.target.table)} t where t.id::text = ${targetId}`;
  expect(f!.j._problem, name).toBeNull();
  for (const c of s.columns) expect(f!.j[c], `${name}.${c}`).toEqual(t!.j[c]);
  if (s.tags) expect([...((f!.j._tags as string[] | null) ?? [])].sort()).toEqual(await tagsOf(targetId));
  const q = await sql`select reason from cortex_migration.quarantine where old_schema = ${s.legacy.schema} and old_table = ${s.legacy.table}`;
  expect(q).toEqual([]);
}

/** A registry row, which the application writes before the entity's own row. */
async function newEntity(prefix: string, type: string, name: string): Promise<string> {
  const id = `${prefix}_${randomBytes(16).toString('hex')}`;
  await db().sql`insert into cortex_foundation.entities (id, entity_type, name) values (${id}, ${type}, ${name})`;
  return id;
}

async function tagId(name: string, scope = 'global'): Promise<string> {
  const [t] = await db().sql<{ id: string }[]>`select id from cortex_foundation.tags where name = ${name} and scope = ${scope}`;
  return t!.id;
}

async function link(entityId: string, tag: string): Promise<void> {
  await db().sql`insert into cortex_foundation.entity_tags (entity_id, tag_id) values (${entityId}, ${tag}::uuid)`;
}

async function unlink(entityId: string, tag: string): Promise<void> {
  await db().sql`delete from cortex_foundation.entity_tags where entity_id = ${entityId} and tag_id = ${tag}::uuid`;
}

/** Write with the reverse trigger of a target table off: a target row with no legacy row. */
async function behindTheWayBack(table: string, write: () => Promise<unknown>): Promise<void> {
  const sql = db().sql;
  const [schema, name] = table.split('.') as [string, string];
  await sql`alter table ${sql(schema)}.${sql(name)} disable trigger cortex_reverse_sync`;
  try {
    await write();
  } finally {
    await sql`alter table ${sql(schema)}.${sql(name)} enable trigger cortex_reverse_sync`;
  }
}

async function failure(write: Promise<unknown>): Promise<string> {
  const err = await write.then(() => undefined, (e: Error) => e);
  expect(err, 'the write should have failed').toBeInstanceOf(Error);
  return err!.message;
}

describe('reverse sync of people, companies and groups (target → legacy)', () => {
  let users: Mapped[];
  let people: Mapped[];

  beforeAll(async () => {
    await loadLegacyFixture(db().sql, { scale: 0.02, seed: 31, dirty: false, replace: false });
    for (const n of [1, 2, 3, 4]) expect((await cli(['migrate', 'phase', String(n)])).code).toBe(0);
    const mapped = (table: string) => db().sql<Mapped[]>`
      select new_id, old_id from cortex_migration.migration_mappings where old_schema in ('app', 'crm') and old_table = ${table}
       order by old_id::text limit 2`;
    users = await mapped('users');
    people = await mapped('contacts');
  });

  it('the reverse view of every backfilled row is its legacy row (the fixture holds canonical values: tags sorted, no empty lists)', async () => {
    const sql = db().sql;
    for (const name of ['crm.contacts', 'crm.contact_phones', 'crm.contact_emails', 'crm.companies', 'crm.groups']) {
      const s = spec(name);
      const { schema, table, key } = s.legacy;
      const view = reverseView(schema, table);
      const cols = [...s.reverse!.columns];
      const [r] = await sql<{ legacy: number; back: number; differ: number }[]>`
        select (select count(*)::int from ${sql(schema)}.${sql(table)}) as legacy, count(*)::int as back,
               count(*) filter (where (select jsonb_object_agg(k, to_jsonb(l) -> k) from unnest(${cols}::text[]) k)
                                      is distinct from (select jsonb_object_agg(k, to_jsonb(x) -> k) from unnest(${cols}::text[]) k))::int as differ
          from ${sql(view[0])}.${sql(view[1])} x join ${sql(schema)}.${sql(table)} l on l.${sql(key[0]!.name)}::text = x._old_id`;
      expect(r!.legacy, name).toBeGreaterThan(0);
      expect(r, name).toEqual({ legacy: r!.legacy, back: r!.legacy, differ: 0 });
    }
  });

  it('a person created, changed in every column and deleted on the target is created, changed and deleted in crm.contacts', async () => {
    const sql = db().sql;
    const [work, vip, family] = [await tagId('work'), await tagId('vip'), await tagId('family')];
    const id = await newEntity('cp', 'person', 'Maria Costa');
    await sql`
      insert into cortex_entities.persons (id, full_name, first_name, last_name, profession, date_of_birth, relationship, notes,
                                           profile_picture_url, created_by, created_at, updated_at)
      values (${id}, 'Maria Costa', 'Maria', 'Costa', 'Pilot', '1990-01-02', 'friend', 'met at work', 'https://pics.example/m.png',
              ${users[0]!.new_id}, '2024-01-02T03:04:05Z', '2024-02-03T04:05:06Z')`;
    await link(id, work);
    await link(id, vip);
    const made = await legacyOf('crm.contacts', id);
    expect(made).toMatchObject({
      full_name: 'Maria Costa', profession: 'Pilot', relationship: 'friend', notes: 'met at work', profile_picture_url: 'https://pics.example/m.png',
      date_of_birth: at('1990-01-02'), tags: ['vip', 'work'], created_by: users[0]!.old_id, created_at: at('2024-01-02T03:04:05Z'), updated_at: at('2024-02-03T04:05:06Z'),
    });
    expect(await mappingsOf(id)).toEqual([{ old_table: 'contacts', old_id: String(made!.contact_id) }]);

    const wrote = {
      full_name: 'Maria C. Costa', first_name: 'Maria', last_name: 'C. Costa', profession: 'Captain', relationship: 'colleague', notes: 'flies',
      profile_picture_url: 'https://pics.example/q.png', created_by: users[1]!.new_id,
    };
    await sql`
      update cortex_entities.persons set ${sql(wrote)}, date_of_birth = '1991-02-03', created_at = '2023-05-06T07:08:09Z', updated_at = '2024-06-07T08:09:10Z'
       where id = ${id}`;
    await unlink(id, vip);
    await link(id, family);
    expect(await legacyOf('crm.contacts', id)).toMatchObject({
      contact_id: made!.contact_id, full_name: 'Maria C. Costa', profession: 'Captain', relationship: 'colleague', notes: 'flies',
      profile_picture_url: 'https://pics.example/q.png', date_of_birth: at('1991-02-03'), tags: ['family', 'work'], created_by: users[1]!.old_id,
      created_at: at('2023-05-06T07:08:09Z'), updated_at: at('2024-06-07T08:09:10Z'),
    });

    await touchLegacy('crm.contacts', id);
    const [after] = await sql<Row[]>`select * from cortex_entities.persons where id = ${id}`;
    expect(after).toMatchObject({ ...wrote, date_of_birth: at('1991-02-03'), created_at: at('2023-05-06T07:08:09Z'), updated_at: at('2024-06-07T08:09:10Z') });
    expect(await tagsOf(id)).toEqual(['family', 'work']);
    await expectForwardAgrees('crm.contacts', id);

    await sql`delete from cortex_foundation.entity_tags where entity_id = ${id}`;
    await sql`delete from cortex_foundation.entities where id = ${id}`;  // the person goes with it (on delete cascade)
    const [gone] = await sql<{ n: number }[]>`select count(*)::int as n from crm.contacts where contact_id = ${made!.contact_id as number}`;
    expect(gone!.n).toBe(0);
    expect(await mappingsOf(id)).toHaveLength(1);
  });

  it('full_name is what goes back: first and last name set apart from it are derived from it again; names only by parts are joined', async () => {
    const sql = db().sql;
    const id = await newEntity('cp', 'person', 'Ana Maria Souza');
    await sql`insert into cortex_entities.persons (id, full_name, first_name, last_name) values (${id}, 'Ana Maria Souza', 'Wrong', 'Names')`;
    expect(await legacyOf('crm.contacts', id)).toMatchObject({ full_name: 'Ana Maria Souza' });
    await touchLegacy('crm.contacts', id);
    const [a] = await sql<Row[]>`select full_name, first_name, last_name from cortex_entities.persons where id = ${id}`;
    expect(a).toEqual({ full_name: 'Ana Maria Souza', first_name: 'Ana', last_name: 'Maria Souza' });

    await sql`update cortex_entities.persons set full_name = null, first_name = 'Ana', middle_name = 'M.', last_name = 'Souza' where id = ${id}`;
    expect(await legacyOf('crm.contacts', id)).toMatchObject({ full_name: 'Ana M. Souza' });
    // Three parts of 100 characters: cut to the 255 the forward transform takes (longer, it would refuse the row).
    await sql`update cortex_entities.persons set first_name = ${'F'.repeat(100)}, middle_name = ${'M'.repeat(100)}, last_name = ${'L'.repeat(100)} where id = ${id}`;
    expect(await legacyOf('crm.contacts', id)).toMatchObject({ full_name: `${'F'.repeat(100)} ${'M'.repeat(100)} ${'L'.repeat(53)}` });
    await sql`update cortex_entities.persons set full_name = '   ', first_name = null, middle_name = null, last_name = null where id = ${id}`;
    expect(await legacyOf('crm.contacts', id)).toMatchObject({ full_name: null });
    await sql`update cortex_entities.persons set full_name = 'Ana M. Souza', first_name = 'Ana', middle_name = null, last_name = 'M. Souza' where id = ${id}`;
    await touchLegacy('crm.contacts', id);
    await expectForwardAgrees('crm.contacts', id);
  });

  it("tags come back once, sorted by name, whatever their scope; no tags come back as null; a tag link alone re-syncs its entity's row", async () => {
    const sql = db().sql;
    const id = await newEntity('cc', 'company', 'Tagless Ltda');
    await sql`insert into cortex_entities.companies (id, name) values (${id}, 'Tagless Ltda')`;
    expect(await legacyOf('crm.companies', id)).toMatchObject({ name: 'Tagless Ltda', tags: null });
    const [mine] = await sql<{ id: string }[]>`
      insert into cortex_foundation.tags (name, scope) values ('vip', 'user') returning id`;
    await link(id, mine!.id);
    await link(id, await tagId('vip'));
    await link(id, await tagId('client'));
    expect(await legacyOf('crm.companies', id)).toMatchObject({ tags: ['client', 'vip'] });
    await sql`delete from cortex_foundation.entity_tags where entity_id = ${id}`;
    expect(await legacyOf('crm.companies', id)).toMatchObject({ tags: null });
    await touchLegacy('crm.companies', id);
    expect(await tagsOf(id)).toEqual([]);
    await expectForwardAgrees('crm.companies', id);
  });

  it('a company created, changed in every column and deleted on the target reaches crm.companies', async () => {
    const sql = db().sql;
    const id = await newEntity('cc', 'company', 'Acme Ltda');
    await sql`
      insert into cortex_entities.companies (id, name, industry, tax_id, website_url, is_client, is_vendor, created_at, updated_at)
      values (${id}, 'Acme Ltda', 'Aviation', '12.345.678/0001-90', 'https://acme.example', true, false, '2024-01-02T03:04:05Z', '2024-02-03T04:05:06Z')`;
    await link(id, await tagId('client'));
    const made = await legacyOf('crm.companies', id);
    expect(made).toMatchObject({
      name: 'Acme Ltda', industry: 'Aviation', tax_id: '12.345.678/0001-90', website: 'https://acme.example', is_client: true, is_vendor: false,
      tags: ['client'], created_at: at('2024-01-02T03:04:05Z'), updated_at: at('2024-02-03T04:05:06Z'),
    });
    expect(await mappingsOf(id)).toEqual([{ old_table: 'companies', old_id: String(made!.company_id) }]);

    const wrote = { name: 'Acme S.A.', industry: 'Freight', tax_id: '98.765', website_url: 'https://acme.example/br', is_client: false, is_vendor: true };
    await sql`update cortex_entities.companies set ${sql(wrote)}, created_at = '2023-01-01T00:00:00Z', updated_at = '2024-03-04T05:06:07Z' where id = ${id}`;
    await link(id, await tagId('legal'));
    expect(await legacyOf('crm.companies', id)).toMatchObject({
      company_id: made!.company_id, name: 'Acme S.A.', industry: 'Freight', tax_id: '98.765', website: 'https://acme.example/br', is_client: false,
      is_vendor: true, tags: ['client', 'legal'], created_at: at('2023-01-01T00:00:00Z'), updated_at: at('2024-03-04T05:06:07Z'),
    });
    await touchLegacy('crm.companies', id);
    const [after] = await sql<Row[]>`select * from cortex_entities.companies where id = ${id}`;
    expect(after).toMatchObject({ ...wrote, created_at: at('2023-01-01T00:00:00Z'), updated_at: at('2024-03-04T05:06:07Z') });
    await expectForwardAgrees('crm.companies', id);

    await sql`delete from cortex_entities.companies where id = ${id}`;
    expect(await legacyOf('crm.companies', id)).toBeUndefined();
    // Its tag links too (validation names links to no entity); the legacy row stays gone.
    await sql`delete from cortex_foundation.entity_tags where entity_id = ${id}`;
    await sql`delete from cortex_foundation.entities where id = ${id}`;
    expect(await legacyOf('crm.companies', id)).toBeUndefined();
  });

  it('groups: a parent and a child made on the target keep their link in crm.groups; a parent with no legacy row fails the write, named', async () => {
    const sql = db().sql;
    const [other] = await sql<Mapped[]>`
      select new_id, old_id from cortex_migration.migration_mappings where old_schema = 'crm' and old_table = 'groups' order by old_id::int limit 1`;
    const parent = await newEntity('cg', 'group', 'Pilots');
    await sql`insert into cortex_entities.groups (id, name, group_type) values (${parent}, 'Pilots', 'club')`;
    const child = await newEntity('cg', 'group', 'Night pilots');
    await sql`insert into cortex_entities.groups (id, name, group_type, parent_group_id) values (${child}, 'Night pilots', 'club', ${parent})`;
    const p = await legacyOf('crm.groups', parent);
    expect(await legacyOf('crm.groups', child)).toMatchObject({ name: 'Night pilots', group_type: 'club', parent_group_id: p!.group_id });

    // Every column: the forward transform makes updated_at the legacy created_at, so the application keeps them equal.
    await sql`update cortex_entities.groups set name = 'Day pilots', group_type = 'team', parent_group_id = ${other!.new_id},
                     created_at = '2022-02-02T02:02:02Z', updated_at = '2022-02-02T02:02:02Z' where id = ${child}`;
    expect(await legacyOf('crm.groups', child)).toMatchObject({
      name: 'Day pilots', group_type: 'team', parent_group_id: Number(other!.old_id), created_at: at('2022-02-02T02:02:02Z'),
    });
    await touchLegacy('crm.groups', child);
    const [after] = await sql<Row[]>`select name, group_type, parent_group_id from cortex_entities.groups where id = ${child}`;
    expect(after).toEqual({ name: 'Day pilots', group_type: 'team', parent_group_id: other!.new_id });
    await expectForwardAgrees('crm.groups', child);

    const hidden = await newEntity('cg', 'group', 'Hidden');
    await behindTheWayBack('cortex_entities.groups', () => sql`insert into cortex_entities.groups (id, name) values (${hidden}, 'Hidden')`);
    expect(await failure(sql`update cortex_entities.groups set parent_group_id = ${hidden} where id = ${child}`))
      .toMatch(new RegExp(`cortex_entities\\.groups ${child} cannot be written back to crm\\.groups: parent_group_id ${hidden} has no crm\\.groups row`));
    expect(await legacyOf('crm.groups', child)).toMatchObject({ parent_group_id: Number(other!.old_id) });
    await behindTheWayBack('cortex_entities.groups', () => sql`delete from cortex_foundation.entities where id = ${hidden}`);

    await sql`delete from cortex_foundation.entities where id in (${child}, ${parent})`;
    expect(await legacyOf('crm.groups', child)).toBeUndefined();
    expect(await legacyOf('crm.groups', parent)).toBeUndefined();
  });

  it('a contact created on the target, with created_by of a user with no legacy row, fails the write, named', async () => {
    const sql = db().sql;
    const id = await newEntity('cp', 'person', 'Nobody');
    expect(await failure(sql`insert into cortex_entities.persons (id, full_name, created_by) values (${id}, 'Nobody', 'cu_00000000000000000000000000000000')`))
      .toMatch(/cannot be written back to crm\.contacts: created_by cu_0+ has no app\.users row/);
    await sql`delete from cortex_foundation.entities where id = ${id}`;
  });

  for (const [name, table, insert, update, legacyMade, legacyChanged] of [
    ['crm.contact_phones', 'contact_phones',
      { phone_number: '+55 11 99999-0000', label: 'mobile', is_primary: true, is_whatsapp_enabled: false },
      { phone_number: '+1 555 0100', label: 'work', is_primary: false, is_whatsapp_enabled: true },
      { phone_number: '+55 11 99999-0000', label: 'mobile', is_primary: true, is_whatsapp: false },
      { phone_number: '+1 555 0100', label: 'work', is_primary: false, is_whatsapp: true }],
    ['crm.contact_emails', 'contact_emails',
      { email_address: 'maria@example.com', label: 'personal', is_primary: true },
      { email_address: 'm.costa@work.example', label: 'work', is_primary: false },
      { email: 'maria@example.com', label: 'personal', is_primary: true },
      { email: 'm.costa@work.example', label: 'work', is_primary: false }],
  ] as const) {
    it(`${name}: made, changed in every column (moved to another person too) and deleted on the target; a person with no legacy row fails the write`, async () => {
      const sql = db().sql;
      const person = await newEntity('cp', 'person', 'Phone Owner');
      await sql`insert into cortex_entities.persons (id, full_name, first_name, last_name) values (${person}, 'Phone Owner', 'Phone', 'Owner')`;
      const owner = await legacyOf('crm.contacts', person);
      const [row] = await sql<{ id: string }[]>`
        insert into cortex_entities.${sql(table)} ${sql({ person_id: person, ...insert })} returning id::text`;
      const id = row!.id;
      const made = await legacyOf(name, id);
      expect(made).toMatchObject({ contact_id: owner!.contact_id, ...legacyMade });
      expect(await mappingsOf(id)).toEqual([{ old_table: table, old_id: String(made!.id) }]);

      await sql`update cortex_entities.${sql(table)} set ${sql({ person_id: people[0]!.new_id, ...update })} where id = ${id}::uuid`;
      expect(await legacyOf(name, id)).toMatchObject({ id: made!.id, contact_id: Number(people[0]!.old_id), ...legacyChanged });
      await touchLegacy(name, id);
      const [after] = await sql<Row[]>`select * from cortex_entities.${sql(table)} where id = ${id}::uuid`;
      expect(after).toMatchObject({ person_id: people[0]!.new_id, ...update });
      await expectForwardAgrees(name, id);

      const hidden = await newEntity('cp', 'person', 'Hidden');
      await behindTheWayBack('cortex_entities.persons', () => sql`insert into cortex_entities.persons (id, full_name) values (${hidden}, 'Hidden')`);
      expect(await failure(sql`update cortex_entities.${sql(table)} set person_id = ${hidden} where id = ${id}::uuid`))
        .toMatch(new RegExp(`cortex_entities\\.${table} ${id} cannot be written back to crm\\.${table}: person_id ${hidden} has no crm\\.contacts row`));
      await behindTheWayBack('cortex_entities.persons', () => sql`delete from cortex_foundation.entities where id = ${hidden}`);

      await sql`delete from cortex_entities.${sql(table)} where id = ${id}::uuid`;
      expect(await legacyOf(name, id)).toBeUndefined();
      // A person deleted on the target takes its phones and e-mails with it, on both sides.
      const [again] = await sql<{ id: string }[]>`
        insert into cortex_entities.${sql(table)} ${sql({ person_id: person, ...insert })} returning id::text`;
      expect(await legacyOf(name, again!.id)).toMatchObject({ contact_id: owner!.contact_id });
      await sql`delete from cortex_foundation.entities where id = ${person}`;
      expect(await legacyOf(name, again!.id)).toBeUndefined();
      expect(await legacyOf('crm.contacts', person)).toBeUndefined();
    });
  }

  it('validation (phase 5, then `cortex validate`) passes after all of it', async () => {
    const phase5 = await cli(['migrate', 'phase', '5']);
    expect(phase5.code, phase5.stdout + phase5.stderr).toBe(0);
    const r = await cli(['validate']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});
