// The way back for app.*: the application's writes on cortex_foundation.users, workspaces,
// workspace_members, spaces and space_items reach the legacy tables, and the forward transform of
// the legacy row they leave is the target row again (up to the canonical values).
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/client.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import type { TableSpec } from '../../src/generate/spec.js';
import { transformView } from '../../src/names.js';
import { appSpaceItems } from '../../phases/tables/app-space-items.js';
import { appSpaces } from '../../phases/tables/app-spaces.js';
import { appUsers } from '../../phases/tables/app-users.js';
import { appWorkspaceMembers } from '../../phases/tables/app-workspace-members.js';
import { appWorkspaces } from '../../phases/tables/app-workspaces.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('rapp');
const cli = (args: string[]) => runCli(['--database-url', db().url, ...args]);

type Row = Record<string, unknown>;
type Mapped = { old_id: string; new_id: string };

const hex = () => randomBytes(16).toString('hex');
const at = (s: string) => new Date(s);

// The legacy row a target row maps to (through its mapping), or undefined.
async function legacyOf(sql: Sql, spec: TableSpec, newId: string): Promise<Row | undefined> {
  const { schema, table, key } = spec.legacy;
  const [m] = await sql<{ old_id: string }[]>`
    select old_id from cortex_migration.migration_mappings where old_schema = ${schema} and old_table = ${table} and new_id = ${newId}`;
  if (!m) return undefined;
  const [row] = await sql<Row[]>`
    select l.* from ${sql(`${schema}.${table}`)} l
     where (select string_agg(to_jsonb(l) ->> k, ':' order by o) from unnest(${key.map((c) => c.name)}::text[]) with ordinality u(k, o)) = ${m.old_id}`;
  return row;
}

// A legacy write of the row that maps to this target id, changing nothing: dual-write re-runs its transform.
async function touchLegacy(sql: Sql, spec: TableSpec, newId: string, column: string): Promise<void> {
  const { schema, table, key } = spec.legacy;
  const n = await sql`
    update ${sql(`${schema}.${table}`)} l set ${sql(column)} = l.${sql(column)}
     where (select string_agg(to_jsonb(l) ->> k, ':' order by o) from unnest(${key.map((c) => c.name)}::text[]) with ordinality u(k, o))
         = (select old_id from cortex_migration.migration_mappings where old_schema = ${schema} and old_table = ${table} and new_id = ${newId})`;
  expect(n.count).toBe(1);
}

// The target row, as json.
async function targetOf(sql: Sql, spec: TableSpec, newId: string): Promise<Row | undefined> {
  const [r] = await sql<{ j: Row }[]>`
    select to_jsonb(t) as j from ${sql(`${spec.target.schema}.${spec.target.table}`)} t where t.id::text = ${newId}`;
  return r?.j;
}

/**
 * The forward transform of the legacy row against the target row, on the transform's columns but
 * `except` (target columns the legacy row has no home for): equal when the reverse is an inverse.
 */
async function expectForwardIsTarget(sql: Sql, spec: TableSpec, newId: string, except: string[] = []): Promise<void> {
  const [v] = await sql<{ j: Row; problem: unknown }[]>`
    select to_jsonb(v) as j, v._problem as problem from ${sql(transformView(spec.legacy.schema, spec.legacy.table).join('.'))} v
     where v.id::text = ${newId}`;
  expect(v, `no legacy row transforms into ${newId}`).toBeDefined();
  expect(v!.problem).toBeNull();
  const t = (await targetOf(sql, spec, newId))!;
  const cols = spec.columns.filter((c) => !except.includes(c));
  const pick = (r: Row) => Object.fromEntries(cols.map((c) => [c, r[c]]));
  expect(pick(v!.j)).toEqual(pick(t));
}

/** A legacy touch after the application's write leaves the target row as the application wrote it. */
async function expectTouchKeepsTarget(sql: Sql, spec: TableSpec, newId: string, column: string): Promise<void> {
  const before = await targetOf(sql, spec, newId);
  await touchLegacy(sql, spec, newId, column);
  expect(await targetOf(sql, spec, newId)).toEqual(before);
}

// n legacy rows with their target rows (present on both sides), as mapped.
async function mappings(sql: Sql, schema: string, table: string, target: string, n: number): Promise<Mapped[]> {
  const rows = await sql<Mapped[]>`
    select m.old_id, m.new_id from cortex_migration.migration_mappings m
     where m.old_schema = ${schema} and m.old_table = ${table} and exists (select 1 from ${sql(target)} t where t.id::text = m.new_id)
     order by m.new_id limit ${n}`;
  expect(rows).toHaveLength(n);
  return rows;
}

async function mappingCount(sql: Sql, newId: string): Promise<number> {
  const [r] = await sql<{ n: number }[]>`select count(*)::int as n from cortex_migration.migration_mappings where new_id = ${newId}`;
  return r!.n;
}

// A user as the application creates it: registered in entities, then the user row.
async function newUser(sql: Sql, name: string): Promise<string> {
  const id = `cu_${hex()}`;
  const [first, last] = name.split(' ');
  await sql.begin(async (tx) => {
    await tx`insert into cortex_foundation.entities (id, entity_type, name) values (${id}, 'user', ${name})`;
    await tx`insert into cortex_foundation.users (id, email, full_name, first_name, last_name)
             values (${id}, ${`${id}@example.com`}, ${name}, ${first ?? null}, ${last ?? null})`;
  });
  return id;
}

async function newWorkspace(sql: Sql, owner: string | null): Promise<string> {
  const slug = `ws-${hex()}`;
  const [w] = await sql<{ id: string }[]>`
    insert into cortex_foundation.workspaces (name, slug, owner_user_id, created_at, updated_at)
    values (${`Workspace ${slug}`}, ${slug}, ${owner}, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z') returning id::text`;
  return w!.id;
}

async function newSpace(sql: Sql, fields: { parent?: string | null; workspace?: string | null; owner?: string | null }): Promise<string> {
  const id = `cs_${hex()}`;
  const custom = fields.workspace ? { workspace_id: fields.workspace } : null;
  await sql.begin(async (tx) => {
    await tx`insert into cortex_foundation.entities (id, entity_type, name) values (${id}, 'space', 'A space')`;
    await tx`insert into cortex_foundation.spaces (id, name, parent_space_id, space_type, category, owner_user_id, custom_fields)
             values (${id}, 'A space', ${fields.parent ?? null}, 'folder', 'folder', ${fields.owner ?? null}, ${custom === null ? null : tx.json(custom)})`;
  });
  return id;
}

// A target user with no legacy row (written while the way back was off), in this transaction only.
async function unmappedUser(tx: Sql): Promise<string> {
  const id = `cu_${hex()}`;
  await tx`set local cortex.in_forward = 'on'`;
  await tx`insert into cortex_foundation.entities (id, entity_type, name) values (${id}, 'user', 'Nobody')`;
  await tx`insert into cortex_foundation.users (id, email) values (${id}, ${`${id}@example.com`})`;
  await tx`set local cortex.in_forward = 'off'`;
  return id;
}

async function failure(run: () => Promise<unknown>): Promise<Error & { code?: string }> {
  const err = await run().then(() => undefined, (e: Error) => e);
  expect(err, 'the write was expected to fail').toBeInstanceOf(Error);
  return err as Error & { code?: string };
}

describe('reverse sync of app.* (target → legacy)', () => {
  beforeAll(async () => {
    await loadLegacyFixture(db().sql, { scale: 0.04, seed: 30, dirty: false, replace: false });
    for (const n of [1, 2, 3, 4]) expect((await cli(['migrate', 'phase', String(n)])).code).toBe(0);
  });

  it('users: created, changed in every column the reverse writes and deleted on the target, the same in app.users (a uuid key)', async () => {
    const sql = db().sql;
    const id = `cu_${hex()}`;
    await sql.begin(async (tx) => {
      await tx`insert into cortex_foundation.entities (id, entity_type, name) values (${id}, 'user', 'Ada Lovelace')`;
      await tx`insert into cortex_foundation.users (id, email, password_hash, full_name, first_name, last_name, is_email_verified, is_active,
                 last_login_at, created_at, updated_at)
               values (${id}, 'ada@example.com', 'hash-1', 'Ada Lovelace', 'Ada', 'Lovelace', true, true,
                 '2024-05-01T08:00:00Z', '2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z')`;
    });
    const made = await legacyOf(sql, appUsers, id);
    expect(made).toMatchObject({
      email: 'ada@example.com', password_hash: 'hash-1', full_name: 'Ada Lovelace', is_email_verified: true, is_active: true,
      last_login_at: at('2024-05-01T08:00:00Z'), created_at: at('2024-01-01T00:00:00Z'), updated_at: at('2024-01-02T00:00:00Z'),
    });
    expect(made!.user_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/); // a new uuid (gen_random_uuid)
    expect(await mappingCount(sql, id)).toBe(1);
    await expectForwardIsTarget(sql, appUsers, id);

    await sql`update cortex_foundation.users set email = 'ada.king@example.com', password_hash = 'hash-2', full_name = 'Ada King',
                first_name = 'Ada', last_name = 'King', is_email_verified = false, is_active = false, last_login_at = null,
                created_at = '2023-12-31T00:00:00Z', updated_at = '2024-06-01T00:00:00Z' where id = ${id}`;
    expect(await legacyOf(sql, appUsers, id)).toMatchObject({
      user_id: made!.user_id, email: 'ada.king@example.com', password_hash: 'hash-2', full_name: 'Ada King', is_email_verified: false,
      is_active: false, last_login_at: null, created_at: at('2023-12-31T00:00:00Z'), updated_at: at('2024-06-01T00:00:00Z'),
    });
    await expectForwardIsTarget(sql, appUsers, id);
    await expectTouchKeepsTarget(sql, appUsers, id, 'email');

    // Canonical: no full_name on the target, only its parts: they come back joined; a legacy touch
    // then gives the target the full_name the forward derives them from.
    await sql`update cortex_foundation.users set full_name = null, first_name = 'Augusta', last_name = 'Byron' where id = ${id}`;
    expect((await legacyOf(sql, appUsers, id))!.full_name).toBe('Augusta Byron');
    await touchLegacy(sql, appUsers, id, 'email');
    expect(await targetOf(sql, appUsers, id)).toMatchObject({ full_name: 'Augusta Byron', first_name: 'Augusta', last_name: 'Byron' });

    await sql.begin(async (tx) => {
      await tx`delete from cortex_foundation.users where id = ${id}`;
      await tx`delete from cortex_foundation.entities where id = ${id}`;
    });
    const [gone] = await sql<{ n: number }[]>`select count(*)::int as n from app.users where user_id = ${made!.user_id as string}::uuid`;
    expect(gone!.n).toBe(0);
    expect(await mappingCount(sql, id)).toBe(1); // the mapping stays: ids are never reused
  });

  it('workspaces: created, changed and deleted on the target, the same in app.workspaces; an owner with no legacy row fails the write', async () => {
    const sql = db().sql;
    const [u1, u2] = await mappings(sql, 'app', 'users', 'cortex_foundation.users', 2);
    const [w] = await sql<{ id: string }[]>`
      insert into cortex_foundation.workspaces (name, slug, owner_user_id, settings, created_at, updated_at)
      values ('Made on the target', 'made-on-the-target', ${u1!.new_id}, ${sql.json({ theme: 'dark' })}, '2024-02-01T00:00:00Z', '2024-02-01T00:00:00Z')
      returning id::text`;
    const id = w!.id;
    const made = await legacyOf(sql, appWorkspaces, id);
    expect(made).toMatchObject({
      name: 'Made on the target', slug: 'made-on-the-target', owner_user_id: u1!.old_id, settings: { theme: 'dark' }, created_at: at('2024-02-01T00:00:00Z'),
    });
    const [{ max }] = await sql<{ max: number }[]>`select max(workspace_id)::int as max from app.workspaces`;
    expect(made!.workspace_id).toBe(max); // the key column's own sequence
    expect(await mappingCount(sql, id)).toBe(1);
    // updated_at has no legacy column (the forward sets it to created_at): written equal here, it compares too.
    await expectForwardIsTarget(sql, appWorkspaces, id);

    await sql`update cortex_foundation.workspaces set name = 'Renamed', slug = 'renamed', owner_user_id = ${u2!.new_id}, settings = null,
                created_at = '2024-03-01T00:00:00Z', updated_at = '2024-03-01T00:00:00Z' where id = ${id}::uuid`;
    expect(await legacyOf(sql, appWorkspaces, id)).toMatchObject({
      workspace_id: made!.workspace_id, name: 'Renamed', slug: 'renamed', owner_user_id: u2!.old_id, settings: null, created_at: at('2024-03-01T00:00:00Z'),
    });
    await expectForwardIsTarget(sql, appWorkspaces, id);
    await expectTouchKeepsTarget(sql, appWorkspaces, id, 'name');

    const err = await failure(() => sql.begin(async (tx) => {
      const nobody = await unmappedUser(tx);
      await tx`update cortex_foundation.workspaces set owner_user_id = ${nobody} where id = ${id}::uuid`;
    }));
    expect(err.code).toBe('CX001');
    expect(err.message).toMatch(new RegExp(`cortex_foundation\\.workspaces ${id} cannot be written back to app\\.workspaces: owner_user_id cu_\\w+ has no app\\.users row`));
    expect(await targetOf(sql, appWorkspaces, id)).toMatchObject({ owner_user_id: u2!.new_id });

    await sql`delete from cortex_foundation.workspaces where id = ${id}::uuid`;
    expect(await legacyOf(sql, appWorkspaces, id)).toBeUndefined();
    expect(await mappingCount(sql, id)).toBe(1);
  });

  it('workspace_members: the composite key follows the references (a member moved to another workspace and user); a delete by cascade reaches legacy too', async () => {
    const sql = db().sql;
    const [ws] = await mappings(sql, 'app', 'workspaces', 'cortex_foundation.workspaces', 1);
    const ann = await newUser(sql, 'Ann Member');
    const [m] = await sql<{ id: string }[]>`
      insert into cortex_foundation.workspace_members (workspace_id, user_id, role, joined_at)
      values (${ws!.new_id}::uuid, ${ann}, 'admin', '2024-04-01T00:00:00Z') returning id::text`;
    const id = m!.id;
    const annLegacy = (await legacyOf(sql, appUsers, ann))!.user_id as string;
    expect(await legacyOf(sql, appWorkspaceMembers, id)).toEqual({
      workspace_id: Number(ws!.old_id), user_id: annLegacy, role: 'admin', joined_at: at('2024-04-01T00:00:00Z'),
    });
    const [map] = await sql<{ old_id: string }[]>`select old_id from cortex_migration.migration_mappings where new_id = ${id}`;
    expect(map!.old_id).toBe(`${ws!.old_id}:${annLegacy}`);
    await expectForwardIsTarget(sql, appWorkspaceMembers, id);

    // Every column: both key columns (another workspace, made on the target too, and another user), role, joined_at.
    const bob = await newUser(sql, 'Bob Member');
    const other = await newWorkspace(sql, bob);
    await sql`update cortex_foundation.workspace_members set workspace_id = ${other}::uuid, user_id = ${bob}, role = 'viewer',
                joined_at = '2024-04-02T00:00:00Z' where id = ${id}::uuid`;
    const otherLegacy = (await legacyOf(sql, appWorkspaces, other))!.workspace_id as number;
    const bobLegacy = (await legacyOf(sql, appUsers, bob))!.user_id as string;
    expect(await legacyOf(sql, appWorkspaceMembers, id)).toEqual({
      workspace_id: otherLegacy, user_id: bobLegacy, role: 'viewer', joined_at: at('2024-04-02T00:00:00Z'),
    });
    const [old] = await sql<{ n: number }[]>`
      select count(*)::int as n from app.workspace_members where workspace_id = ${Number(ws!.old_id)} and user_id = ${annLegacy}::uuid`;
    expect(old!.n).toBe(0);
    await expectForwardIsTarget(sql, appWorkspaceMembers, id);
    await expectTouchKeepsTarget(sql, appWorkspaceMembers, id, 'role');

    const err = await failure(() => sql.begin(async (tx) => {
      const nobody = await unmappedUser(tx);
      await tx`insert into cortex_foundation.workspace_members (workspace_id, user_id) values (${other}::uuid, ${nobody})`;
    }));
    expect(err.message).toMatch(/cannot be written back to app\.workspace_members: user_id cu_\w+ has no app\.users row/);

    // Ann joins again, then leaves with her user: the target's cascade deletes the member, and the
    // way back deletes both legacy rows.
    const [again] = await sql<{ id: string }[]>`
      insert into cortex_foundation.workspace_members (workspace_id, user_id) values (${other}::uuid, ${ann}) returning id::text`;
    expect(await legacyOf(sql, appWorkspaceMembers, again!.id)).toMatchObject({ workspace_id: otherLegacy, user_id: annLegacy, role: 'member' });
    await sql.begin(async (tx) => {
      await tx`delete from cortex_foundation.users where id = ${ann}`;
      await tx`delete from cortex_foundation.entities where id = ${ann}`;
    });
    expect(await legacyOf(sql, appWorkspaceMembers, again!.id)).toBeUndefined();
    expect(await legacyOf(sql, appUsers, ann)).toBeUndefined();

    await sql`delete from cortex_foundation.workspace_members where id = ${id}::uuid`;
    expect(await legacyOf(sql, appWorkspaceMembers, id)).toBeUndefined();
  });

  it('spaces: created under another space made on the target, changed in every column and deleted; space_type comes back canonical', async () => {
    const sql = db().sql;
    const [u1, u2] = await mappings(sql, 'app', 'users', 'cortex_foundation.users', 2);
    const [w1] = await mappings(sql, 'app', 'workspaces', 'cortex_foundation.workspaces', 1);
    const w2 = await newWorkspace(sql, null);
    const [p1, p2] = await mappings(sql, 'app', 'spaces', 'cortex_foundation.spaces', 2);
    const id = `cs_${hex()}`;
    await sql.begin(async (tx) => {
      await tx`insert into cortex_foundation.entities (id, entity_type, name) values (${id}, 'space', 'Team room')`;
      await tx`insert into cortex_foundation.spaces (id, name, description, parent_space_id, space_type, category, owner_user_id, color, icon,
                 is_archived, sort_order, custom_fields, created_at, updated_at)
               values (${id}, 'Team room', 'Where the team works', ${p1!.new_id}, 'shared', 'team', ${u1!.new_id}, '#ff6b6b', 'star',
                 false, 3, ${tx.json({ workspace_id: w1!.new_id })}, '2024-01-05T00:00:00Z', '2024-01-06T00:00:00Z')`;
    });
    const made = await legacyOf(sql, appSpaces, id);
    expect(made).toMatchObject({
      workspace_id: Number(w1!.old_id), parent_space_id: Number(p1!.old_id), name: 'Team room', description: 'Where the team works',
      space_type: 'team', color: '#ff6b6b', icon: 'star', is_archived: false, sort_order: 3, owner_user_id: u1!.old_id,
      created_at: at('2024-01-05T00:00:00Z'), updated_at: at('2024-01-06T00:00:00Z'),
    });
    expect(await mappingCount(sql, id)).toBe(1);
    await expectForwardIsTarget(sql, appSpaces, id);

    // A space below it, made on the target in the next statement: its parent maps back to the new legacy row.
    const child = await newSpace(sql, { parent: id });
    expect(await legacyOf(sql, appSpaces, child)).toMatchObject({ parent_space_id: made!.space_id, workspace_id: null, space_type: 'folder' });

    await sql`update cortex_foundation.spaces set name = 'Back office', description = null, parent_space_id = ${p2!.new_id}, space_type = 'folder',
                category = 'personal', owner_user_id = ${u2!.new_id}, color = '#4ecdc4', icon = 'home', is_archived = true, sort_order = 7,
                custom_fields = ${sql.json({ workspace_id: w2 })}, created_at = '2024-01-07T00:00:00Z', updated_at = '2024-01-08T00:00:00Z'
              where id = ${id}`;
    const w2Legacy = (await legacyOf(sql, appWorkspaces, w2))!.workspace_id;
    expect(await legacyOf(sql, appSpaces, id)).toMatchObject({
      space_id: made!.space_id, workspace_id: w2Legacy, parent_space_id: Number(p2!.old_id), name: 'Back office', description: null,
      space_type: 'personal', color: '#4ecdc4', icon: 'home', is_archived: true, sort_order: 7, owner_user_id: u2!.old_id,
      created_at: at('2024-01-07T00:00:00Z'), updated_at: at('2024-01-08T00:00:00Z'),
    });
    await expectForwardIsTarget(sql, appSpaces, id);
    await expectTouchKeepsTarget(sql, appSpaces, id, 'name');

    // Canonical: a category that no longer maps to the space_type does not go back; the target
    // value does (a legacy value too), and a legacy touch gives the target the category the forward keeps.
    await sql`update cortex_foundation.spaces set space_type = 'archive' where id = ${id}`;
    expect((await legacyOf(sql, appSpaces, id))!.space_type).toBe('archive');
    await touchLegacy(sql, appSpaces, id, 'name');
    expect(await targetOf(sql, appSpaces, id)).toMatchObject({ space_type: 'archive', category: 'archive' });
    await expectForwardIsTarget(sql, appSpaces, id);

    const err = await failure(() => sql`update cortex_foundation.spaces set custom_fields = ${sql.json({ workspace_id: '00000000-0000-4000-8000-000000000000' })}
                                         where id = ${id}`);
    expect(err.message).toMatch(new RegExp(`spaces ${id} cannot be written back to app\\.spaces: workspace_id 00000000-0000-4000-8000-000000000000 has no app\\.workspaces row`));

    // Deleting a space deletes its items on the target (a cascade): on legacy too.
    const [task] = await mappings(sql, 'crm', 'tasks', 'cortex_projects.tasks', 1);
    const [item] = await sql<{ id: string }[]>`
      insert into cortex_foundation.space_items (space_id, item_type, item_id) values (${child}, 'task', ${task!.new_id}) returning id::text`;
    expect(await legacyOf(sql, appSpaceItems, item!.id)).toMatchObject({ item_type: 'task', item_id: task!.old_id });
    for (const s of [child, id]) {
      await sql.begin(async (tx) => {
        await tx`delete from cortex_foundation.spaces where id = ${s}`;
        await tx`delete from cortex_foundation.entities where id = ${s}`;
      });
      expect(await legacyOf(sql, appSpaces, s)).toBeUndefined();
    }
    expect(await legacyOf(sql, appSpaceItems, item!.id)).toBeUndefined();
  });

  it('space_items: item_id goes back to the legacy key of the item its item_type names; an item with no legacy row fails the write', async () => {
    const sql = db().sql;
    const [s1, s2] = await mappings(sql, 'app', 'spaces', 'cortex_foundation.spaces', 2);
    const [contact] = await mappings(sql, 'crm', 'contacts', 'cortex_entities.persons', 1);
    const [task] = await mappings(sql, 'crm', 'tasks', 'cortex_projects.tasks', 1);
    const [i] = await sql<{ id: string }[]>`
      insert into cortex_foundation.space_items (space_id, item_type, item_id, display_name, sort_order, added_at)
      values (${s1!.new_id}, 'person', ${contact!.new_id}, 'A person', 5, '2024-02-02T00:00:00Z') returning id::text`;
    const id = i!.id;
    const made = await legacyOf(sql, appSpaceItems, id);
    expect(made).toMatchObject({
      space_id: Number(s1!.old_id), item_type: 'contact', item_id: contact!.old_id, display_name: 'A person', sort_order: 5, added_at: at('2024-02-02T00:00:00Z'),
    });
    expect(await mappingCount(sql, id)).toBe(1);
    await expectForwardIsTarget(sql, appSpaceItems, id);

    await sql`update cortex_foundation.space_items set space_id = ${s2!.new_id}, item_type = 'task', item_id = ${task!.new_id}, display_name = null,
                sort_order = 6, added_at = '2024-02-03T00:00:00Z' where id = ${id}::uuid`;
    expect(await legacyOf(sql, appSpaceItems, id)).toMatchObject({
      id: made!.id, space_id: Number(s2!.old_id), item_type: 'task', item_id: task!.old_id, display_name: null, sort_order: 6, added_at: at('2024-02-03T00:00:00Z'),
    });
    await expectForwardIsTarget(sql, appSpaceItems, id);
    await expectTouchKeepsTarget(sql, appSpaceItems, id, 'sort_order');

    const orphan = await failure(() => sql`update cortex_foundation.space_items set item_type = 'person', item_id = 'cp_00000000000000000000000000000000'
                                            where id = ${id}::uuid`);
    expect(orphan.message).toMatch(/cannot be written back to app\.space_items: item_id cp_0+ has no crm\.contacts row/);
    const unknown = await failure(() => sql`update cortex_foundation.space_items set item_type = 'widget' where id = ${id}::uuid`);
    expect(unknown.message).toMatch(/cannot be written back to app\.space_items: item_type 'widget' has no legacy table to follow/);
    expect(await targetOf(sql, appSpaceItems, id)).toMatchObject({ item_type: 'task', item_id: task!.new_id });

    // A target-made item and one that came from legacy: both deleted there.
    const [fromLegacy] = await mappings(sql, 'app', 'space_items', 'cortex_foundation.space_items', 1);
    await sql`delete from cortex_foundation.space_items where id = any(${[id, fromLegacy!.new_id]}::uuid[])`;
    expect(await legacyOf(sql, appSpaceItems, id)).toBeUndefined();
    expect(await legacyOf(sql, appSpaceItems, fromLegacy!.new_id)).toBeUndefined();
  });

  it('after all these writes, validation passes from both sides', async () => {
    const phase5 = await cli(['migrate', 'phase', '5']);
    expect(phase5.code, phase5.stdout + phase5.stderr).toBe(0);
    const r = await cli(['validate']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});
