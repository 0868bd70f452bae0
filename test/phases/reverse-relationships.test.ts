// The way back for the relationship tables and the calendar: the application's writes on
// entity_relationships (memberships, contact relationships, group members), events and their
// participants reach the legacy tables, and a later legacy write of the row gives the target back
// unchanged (the reverse views are the forward transforms' inverses on what they write).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/client.js';
import { loadLegacyFixture } from '../../src/fixtures/legacy.js';
import type { TableSpec } from '../../src/generate/spec.js';
import { calendarEventAttendees } from '../../phases/tables/calendar-event-attendees.js';
import { calendarEvents } from '../../phases/tables/calendar-events.js';
import { crmContactCompanyMemberships } from '../../phases/tables/crm-contact-company-memberships.js';
import { crmContactRelationships } from '../../phases/tables/crm-contact-relationships.js';
import { crmGroupMembers } from '../../phases/tables/crm-group-members.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';

const db = useFreshDatabase('revrel');
const cli = (args: string[]) => runCli(['--database-url', db().url, ...args]);
const SPECS = [crmContactCompanyMemberships, crmContactRelationships, crmGroupMembers, calendarEvents, calendarEventAttendees];
type Row = Record<string, unknown>;

/** The target id of a legacy key, and back. */
async function newId(sql: Sql, schema: string, table: string, oldId: string | number): Promise<string> {
  const [m] = await sql<{ new_id: string }[]>`
    select new_id from cortex_migration.migration_mappings where old_schema = ${schema} and old_table = ${table} and old_id = ${String(oldId)}`;
  return m!.new_id;
}
async function oldId(sql: Sql, targetId: string): Promise<string | undefined> {
  const [m] = await sql<{ old_id: string }[]>`select old_id from cortex_migration.migration_mappings where new_id = ${targetId}`;
  return m?.old_id;
}

type Key = Record<string, string | number | undefined>;

// `a = $1 and b = $2`: the key columns of a row, compared as text.
const keyIs = (sql: Sql, key: Key) =>
  Object.entries(key).reduce((acc, [c, v], i) => (i === 0 ? sql`${sql(c)}::text = ${String(v)}` : sql`${acc} and ${sql(c)}::text = ${String(v)}`), sql``);

/** The legacy rows with this key, as JSON. */
async function legacyRows(sql: Sql, table: string, key: Key): Promise<Row[]> {
  return (await sql<{ r: Row }[]>`select to_jsonb(l) as r from ${sql(table)} l where ${keyIs(sql, key)}`).map((x) => x.r);
}

/** A target row, and (for an event) its derived links without their ids and times, to compare across a legacy write. */
async function targetState(sql: Sql, table: string, id: string): Promise<unknown> {
  const [t] = await sql<{ r: Row }[]>`select to_jsonb(t) as r from ${sql(table)} t where t.id::text = ${id}`;
  const links = await sql`
    select relationship_type, from_entity_id, to_entity_id, metadata from cortex_foundation.entity_relationships
     where content_type = 'event' and content_id = ${id} order by relationship_type`;
  return { row: t?.r, links };
}

/** A no-op write of a legacy row (its forward sync runs) must leave the target as the application wrote it. */
async function touchKeepsTarget(sql: Sql, legacy: string, key: Key, target: string, id: string) {
  const before = await targetState(sql, target, id);
  const col = Object.keys(key)[0]!;
  await sql`update ${sql(legacy)} set ${sql(col)} = ${sql(col)} where ${keyIs(sql, key)}`;
  expect(await targetState(sql, target, id)).toEqual(before);
}

/** Mapped rows p ≠ q (of left's table) and a ≠ b (of right's) with no legacy row of `table` for (p, a) nor (q, b) yet. */
async function freePairs(sql: Sql, table: string, left: [string, string], right: [string, string]) {
  const [f] = await sql<{ p: string; q: string; a: string; b: string }[]>`
    select p.new_id as p, q.new_id as q, a.new_id as a, b.new_id as b
      from cortex_migration.migration_mappings p, cortex_migration.migration_mappings q,
           cortex_migration.migration_mappings a, cortex_migration.migration_mappings b
     where p.old_table = ${left[0]} and q.old_table = ${left[0]} and a.old_table = ${right[0]} and b.old_table = ${right[0]}
       and p.old_id <> q.old_id and a.old_id <> b.old_id
       and not exists (select 1 from ${sql(table)} x where x.${sql(left[1])}::text = p.old_id and x.${sql(right[1])}::text = a.old_id)
       and not exists (select 1 from ${sql(table)} x where x.${sql(left[1])}::text = q.old_id and x.${sql(right[1])}::text = b.old_id)
     limit 1`;
  return f!;
}

/** The statement fails, naming the legacy table and the reason. */
async function failsWith(write: Promise<unknown>, pattern: RegExp) {
  const err = await write.catch((e: Error) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toMatch(pattern);
}

describe('reverse sync of relationships and the calendar', () => {
  let person: string[];
  let company: string[];
  let group: string[];
  let user: string;
  let project: string;

  beforeAll(async () => {
    await loadLegacyFixture(db().sql, { scale: 0.02, seed: 21, dirty: false, replace: false });
    for (const n of [1, 2, 3, 4]) expect((await cli(['migrate', 'phase', String(n)])).code).toBe(0);
    const ids = async (schema: string, table: string) => (await db().sql<{ new_id: string }[]>`
      select new_id from cortex_migration.migration_mappings where old_schema = ${schema} and old_table = ${table}
       order by old_id::integer limit 3`).map((r) => r.new_id);
    person = await ids('crm', 'contacts');
    company = await ids('crm', 'companies');
    group = await ids('crm', 'groups');
    project = (await ids('crm', 'projects'))[0]!;
    const [u] = await db().sql<{ new_id: string }[]>`
      select new_id from cortex_migration.migration_mappings where old_schema = 'app' and old_table = 'users' order by old_id limit 1`;
    user = u!.new_id;
  });

  it("each reverse view yields its spec's columns (the key columns first when the key is composite)", async () => {
    for (const s of SPECS as TableSpec[]) {
      const cols = await db().sql<{ attname: string }[]>`
        select attname from pg_attribute where attrelid = ${`cortex_migration.rx_${s.legacy.schema}_${s.legacy.table}`}::regclass
           and attnum > 0 and not attisdropped order by attnum`;
      const keys = s.reverse!.key.kind === 'columns' ? s.legacy.key.map((k) => k.name) : [];
      expect(cols.map((c) => c.attname), s.legacy.table).toEqual(['_new_id', '_old_id', '_problem', ...keys, ...s.reverse!.columns]);
    }
  });

  it('every row the backfill wrote maps back to its legacy row as it is (no problem, same values)', async () => {
    const sql = db().sql;
    for (const s of SPECS as TableSpec[]) {
      const { schema, table, key } = s.legacy;
      const cols = [...(s.reverse!.key.kind === 'columns' ? key.map((k) => k.name) : []), ...s.reverse!.columns];
      const [d] = await sql<{ n: number; rows: number }[]>`
        select count(*) filter (where v._problem is not null or (${sql(cols.map((c) => `v.${c}`))}) is distinct from (${sql(cols.map((c) => `l.${c}`))}))::int as n,
               count(*)::int as rows
          from ${sql(`cortex_migration.rx_${schema}_${table}`)} v
          full join ${sql(`${schema}.${table}`)} l on concat_ws(':', ${sql(key.map((k) => `l.${k.name}`))}) = v._old_id`;
      expect(d, table).toMatchObject({ n: 0 });
      expect(d!.rows, table).toBeGreaterThan(0);
    }
    // The fixture has events with each derived link: the comparison above covered them.
    const [e] = await sql<{ p: number; r: number; m: number }[]>`
      select count(project_id)::int as p, count(reminder_minutes)::int as r, count(triggering_message_id)::int as m from calendar.events`;
    expect(Math.min(e!.p, e!.r, e!.m)).toBeGreaterThan(0);
  });

  it('a membership made, moved and removed on the target is made, moved and removed in crm.contact_company_memberships', async () => {
    const sql = db().sql;
    const f = await freePairs(sql, 'crm.contact_company_memberships', ['contacts', 'contact_id'], ['companies', 'company_id']);
    const [p, q, a, b] = await Promise.all([f.p, f.q, f.a, f.b].map((id) => oldId(sql, id)));
    const [t] = await sql<{ id: string }[]>`
      insert into cortex_foundation.entity_relationships (from_entity_id, to_entity_id, relationship_type, metadata, created_at)
      values (${f.p}, ${f.a}, 'works_for', '{"title": "Engineer", "started_at": "2021-03-04"}', '2021-03-05T10:00:00Z') returning id::text`;
    const member = (contact?: string, company?: string) => ({ contact_id: contact, company_id: company });
    expect(await legacyRows(sql, 'crm.contact_company_memberships', member(p, a))).toEqual([
      { contact_id: Number(p), company_id: Number(a), title: 'Engineer', started_at: '2021-03-04', created_at: '2021-03-05T10:00:00+00:00' }]);
    expect(await oldId(sql, t!.id)).toBe(`${p}:${a}`);

    // Every column it writes back: both ends (its key), title, started_at (gone from metadata), created_at.
    await sql`update cortex_foundation.entity_relationships set from_entity_id = ${f.q}, to_entity_id = ${f.b},
                metadata = '{"title": "Lead"}', created_at = '2022-01-02T03:04:05Z' where id = ${t!.id}::uuid`;
    expect(await legacyRows(sql, 'crm.contact_company_memberships', member(p, a))).toEqual([]);
    expect(await legacyRows(sql, 'crm.contact_company_memberships', member(q, b))).toEqual([
      { contact_id: Number(q), company_id: Number(b), title: 'Lead', started_at: null, created_at: '2022-01-02T03:04:05+00:00' }]);
    expect(await oldId(sql, t!.id)).toBe(`${q}:${b}`);

    await touchKeepsTarget(sql, 'crm.contact_company_memberships', member(q, b), 'cortex_foundation.entity_relationships', t!.id);
    await sql`delete from cortex_foundation.entity_relationships where id = ${t!.id}::uuid`;
    expect(await legacyRows(sql, 'crm.contact_company_memberships', member(q, b))).toEqual([]);
    expect(await oldId(sql, t!.id)).toBe(`${q}:${b}`);  // the mapping stays
  });

  it('a contact relationship made, changed and removed on the target reaches crm.contact_relationships', async () => {
    const sql = db().sql;
    const [p, q] = await Promise.all([person[0]!, person[1]!].map((id) => oldId(sql, id)));
    const [t] = await sql<{ id: string }[]>`
      insert into cortex_foundation.entity_relationships (from_entity_id, to_entity_id, relationship_type, created_at)
      values (${person[0]!}, ${person[1]!}, 'mentor_of', '2020-01-01T00:00:00Z') returning id::text`;
    const k = await oldId(sql, t!.id);
    const [mx] = await sql<{ max: number }[]>`select max(id) from crm.contact_relationships`;
    expect(Number(k)).toBe(mx!.max);  // the key column's own sequence
    expect(await legacyRows(sql, 'crm.contact_relationships', { id: k })).toEqual([
      { id: Number(k), contact_id: Number(p), related_contact_id: Number(q), relationship_type: 'mentor_of', created_at: '2020-01-01T00:00:00+00:00' }]);

    await sql`update cortex_foundation.entity_relationships set from_entity_id = ${person[1]!}, to_entity_id = ${person[0]!},
                relationship_type = 'spouse', is_bidirectional = true, created_at = '2020-02-02T00:00:00Z' where id = ${t!.id}::uuid`;
    expect(await legacyRows(sql, 'crm.contact_relationships', { id: k })).toEqual([
      { id: Number(k), contact_id: Number(q), related_contact_id: Number(p), relationship_type: 'spouse', created_at: '2020-02-02T00:00:00+00:00' }]);

    await touchKeepsTarget(sql, 'crm.contact_relationships', { id: k }, 'cortex_foundation.entity_relationships', t!.id);
    await sql`delete from cortex_foundation.entity_relationships where id = ${t!.id}::uuid`;
    expect(await legacyRows(sql, 'crm.contact_relationships', { id: k })).toEqual([]);
  });

  it('a group member added, moved and removed on the target reaches crm.group_members', async () => {
    const sql = db().sql;
    const f = await freePairs(sql, 'crm.group_members', ['contacts', 'contact_id'], ['groups', 'group_id']);
    const [p, q, g, h] = await Promise.all([f.p, f.q, f.a, f.b].map((id) => oldId(sql, id)));
    const [t] = await sql<{ id: string }[]>`
      insert into cortex_foundation.entity_relationships (from_entity_id, to_entity_id, relationship_type, created_at)
      values (${f.p}, ${f.a}, 'member_of', '2019-05-06T07:08:09Z') returning id::text`;
    const member = (grp?: string, contact?: string) => ({ group_id: grp, contact_id: contact });
    expect(await legacyRows(sql, 'crm.group_members', member(g, p))).toEqual([
      { group_id: Number(g), contact_id: Number(p), added_at: '2019-05-06T07:08:09+00:00' }]);
    expect(await oldId(sql, t!.id)).toBe(`${g}:${p}`);

    await sql`update cortex_foundation.entity_relationships set from_entity_id = ${f.q}, to_entity_id = ${f.b},
                created_at = '2019-06-07T00:00:00Z' where id = ${t!.id}::uuid`;
    expect(await legacyRows(sql, 'crm.group_members', member(g, p))).toEqual([]);
    expect(await legacyRows(sql, 'crm.group_members', member(h, q))).toEqual([
      { group_id: Number(h), contact_id: Number(q), added_at: '2019-06-07T00:00:00+00:00' }]);

    await touchKeepsTarget(sql, 'crm.group_members', member(h, q), 'cortex_foundation.entity_relationships', t!.id);
    await sql`delete from cortex_foundation.entity_relationships where id = ${t!.id}::uuid`;
    expect(await legacyRows(sql, 'crm.group_members', member(h, q))).toEqual([]);
  });

  it('an event made, changed and removed on the target reaches calendar.events, its project, reminder and message from its links', async () => {
    const sql = db().sql;
    const u = await oldId(sql, user);
    const [msg] = await sql<{ ref: string; message_id: string }[]>`
      select wm.instance_name || ':' || wm.message_id as ref, wm.message_id from whatsapp.messages wm
       where not exists (select 1 from whatsapp.messages w where w.message_id = wm.message_id and w.instance_name < wm.instance_name)
       order by 1 limit 1`;
    const [e] = await sql<{ id: string }[]>`
      insert into cortex_scheduling.events (title, description, start_time, end_time, is_all_day, location, recurrence_rule, is_recurring,
                                            organizer_id, created_by_id, created_at, updated_at)
      values ('Made on the target', 'agenda', '2025-01-02T09:00:00Z', '2025-01-02T10:00:00Z', false, 'Room 1', 'FREQ=WEEKLY', true,
              ${user}, ${user}, '2024-12-01T00:00:00Z', '2024-12-01T00:00:00Z') returning id::text`;
    const k = await oldId(sql, e!.id);
    const legacy = () => legacyRows(sql, 'calendar.events', { event_id: k });
    expect(await legacy()).toEqual([{ event_id: Number(k), title: 'Made on the target', description: 'agenda',
      start_time: '2025-01-02T09:00:00+00:00', end_time: '2025-01-02T10:00:00+00:00', is_all_day: false, location: 'Room 1',
      recurrence_rule: 'FREQ=WEEKLY', organizer_user_id: u, project_id: null, triggering_message_id: null, reminder_minutes: null,
      created_at: '2024-12-01T00:00:00+00:00', updated_at: '2024-12-01T00:00:00+00:00' }]);

    // Its links, as the forward transform derives them; the event's next write carries them back.
    await sql`insert into cortex_foundation.entity_relationships (from_entity_id, content_type, content_id, relationship_type, metadata) values
      (${project}, 'event', ${e!.id}, 'event_of_project', '{"derived_from": "calendar.events"}'),
      (null, 'event', ${e!.id}, 'reminder_before', '{"minutes": 15, "derived_from": "calendar.events"}'),
      (null, 'event', ${e!.id}, 'triggered_by_message', ${sql.json({ channel: 'whatsapp', message: msg!.ref, derived_from: 'calendar.events' })})`;
    await sql`update cortex_scheduling.events set title = 'Changed on the target', description = null, start_time = '2025-02-03T09:00:00Z',
                end_time = null, is_all_day = true, location = null, recurrence_rule = null, is_recurring = false, organizer_id = null,
                created_by_id = null, created_at = '2024-11-01T00:00:00Z', updated_at = '2025-01-05T00:00:00Z' where id = ${e!.id}::uuid`;
    expect(await legacy()).toEqual([{ event_id: Number(k), title: 'Changed on the target', description: null,
      start_time: '2025-02-03T09:00:00+00:00', end_time: null, is_all_day: true, location: null, recurrence_rule: null,
      organizer_user_id: null, project_id: Number(await oldId(sql, project)), triggering_message_id: msg!.message_id, reminder_minutes: 15,
      created_at: '2024-11-01T00:00:00+00:00', updated_at: '2025-01-05T00:00:00+00:00' }]);

    // A legacy write re-derives the links: the same ones (their ids and times are the forward transform's).
    await touchKeepsTarget(sql, 'calendar.events', { event_id: k }, 'cortex_scheduling.events', e!.id);
    await sql`delete from cortex_foundation.entity_relationships where content_type = 'event' and content_id = ${e!.id}`;
    await sql`update cortex_scheduling.events set updated_at = '2025-01-06T00:00:00Z' where id = ${e!.id}::uuid`;
    expect(await legacy()).toMatchObject([{ project_id: null, triggering_message_id: null, reminder_minutes: null }]);
    await sql`delete from cortex_scheduling.events where id = ${e!.id}::uuid`;
    expect(await legacy()).toEqual([]);
  });

  it('a participant added, moved and removed on the target reaches calendar.event_attendees in legacy terms', async () => {
    const sql = db().sql;
    const f = await freePairs(sql, 'calendar.event_attendees', ['events', 'event_id'], ['contacts', 'contact_id']);
    const [e, g, p, q] = await Promise.all([f.p, f.q, f.a, f.b].map((id) => oldId(sql, id)));
    const [t] = await sql<{ id: string }[]>`
      insert into cortex_scheduling.event_participants (event_id, participant_id) values (${f.p}::uuid, ${f.a}) returning id::text`;
    const attendee = (event?: string, contact?: string) => ({ event_id: event, contact_id: contact });
    // The target's defaults, pending and attendee, in the legacy vocabulary.
    expect(await legacyRows(sql, 'calendar.event_attendees', attendee(e, p))).toEqual([
      { event_id: Number(e), contact_id: Number(p), response_status: 'needs_action', role: 'required' }]);
    expect(await oldId(sql, t!.id)).toBe(`${e}:${p}`);

    await sql`update cortex_scheduling.event_participants set event_id = ${f.q}::uuid, participant_id = ${f.b},
                response_status = 'accepted', role = 'optional' where id = ${t!.id}::uuid`;
    expect(await legacyRows(sql, 'calendar.event_attendees', attendee(e, p))).toEqual([]);
    expect(await legacyRows(sql, 'calendar.event_attendees', attendee(g, q))).toEqual([
      { event_id: Number(g), contact_id: Number(q), response_status: 'accepted', role: 'optional' }]);

    await touchKeepsTarget(sql, 'calendar.event_attendees', attendee(g, q), 'cortex_scheduling.event_participants', t!.id);
    await sql`delete from cortex_scheduling.event_participants where id = ${t!.id}::uuid`;
    expect(await legacyRows(sql, 'calendar.event_attendees', attendee(g, q))).toEqual([]);
  });

  it('a reference with no legacy row, or a value the legacy row cannot hold, fails the write naming it; nothing is half-written', async () => {
    const sql = db().sql;
    const none = (prefix: string) => `${prefix}_${'0'.repeat(32)}`;
    const [before] = await sql<{ r: number; e: number; a: number }[]>`
      select (select count(*) from cortex_foundation.entity_relationships)::int as r, (select count(*) from cortex_scheduling.events)::int as e,
             (select count(*) from cortex_scheduling.event_participants)::int as a`;
    const link = (from: string, to: string, type: string, metadata: unknown = null) => sql`
      insert into cortex_foundation.entity_relationships (from_entity_id, to_entity_id, relationship_type, metadata)
      values (${from}, ${to}, ${type}, ${metadata === null ? null : sql.json(metadata as never)})`;
    await failsWith(link(person[0]!, none('cc'), 'works_for'),
      /cannot be written back to crm\.contact_company_memberships: to_entity_id cc_0+ has no crm\.companies row/);
    await failsWith(link(none('cp'), group[0]!, 'member_of'), /cannot be written back to crm\.group_members: from_entity_id cp_0+ has no crm\.contacts row/);
    await failsWith(link(person[0]!, none('cp'), 'friend_of'), /crm\.contact_relationships: to_entity_id cp_0+ has no crm\.contacts row/);
    await failsWith(link(person[0]!, person[1]!, 'Mentor Of'), /crm\.contact_relationships: relationship_type 'Mentor Of' is not lower-case/);
    await failsWith(link(person[0]!, person[1]!, 'spouse'), /is_bidirectional false disagrees with relationship_type 'spouse'/);
    await failsWith(link(person[0]!, company[0]!, 'works_for', { title: 'x', team: 'y' }), /metadata keys other than title and started_at .*: team/);
    await failsWith(link(person[0]!, company[0]!, 'works_for', { started_at: '2024-02-30' }), /metadata started_at is not a date/);
    // A membership that exists already (another target row holds its legacy key).
    const [m] = await sql<{ new_id: string; old_id: string }[]>`
      select new_id, old_id from cortex_migration.migration_mappings where old_table = 'contact_company_memberships' order by old_id limit 1`;
    const [c, co] = m!.old_id.split(':');
    await failsWith(link(await newId(sql, 'crm', 'contacts', c!), await newId(sql, 'crm', 'companies', co!), 'works_for'),
      new RegExp(`crm\\.contact_company_memberships ${m!.old_id} is already target row ${m!.new_id}`));
    // A membership made into a kind of link its legacy table cannot hold.
    await failsWith(sql`update cortex_foundation.entity_relationships set relationship_type = 'client_of' where id = ${m!.new_id}::uuid`,
      /crm\.contact_company_memberships: a crm\.contact_company_memberships row stays a works_for link/);

    const event = (set: Record<string, unknown>) => sql`
      insert into cortex_scheduling.events ${sql({ title: 'x', start_time: '2025-01-01T00:00:00Z', ...set } as never)}`;
    await failsWith(event({ organizer_id: none('cu'), created_by_id: none('cu') }), /calendar\.events: organizer_id cu_0+ has no app\.users row/);
    await failsWith(event({ organizer_id: user }), /created_by_id differs from organizer_id/);
    await failsWith(event({ end_time: '2024-12-31T00:00:00Z' }), /calendar\.events: ends before it starts/);
    await failsWith(sql.begin(async (tx) => {
      const [e] = await tx<{ id: string }[]>`insert into cortex_scheduling.events (title, start_time) values ('x', now()) returning id::text`;
      await tx`insert into cortex_foundation.entity_relationships (from_entity_id, content_type, content_id, relationship_type, metadata)
               values (${none('cj')}, 'event', ${e!.id}, 'event_of_project', '{"derived_from": "calendar.events"}')`;
      await tx`update cortex_scheduling.events set title = 'y' where id = ${e!.id}::uuid`;
    }), /calendar\.events: event_of_project cj_0+ has no crm\.projects row/);
    const [ev] = await sql<{ new_id: string }[]>`select new_id from cortex_migration.migration_mappings where old_table = 'events' limit 1`;
    await failsWith(sql`insert into cortex_scheduling.event_participants (event_id, participant_id) values (${ev!.new_id}::uuid, ${none('cp')})`,
      /calendar\.event_attendees: participant_id cp_0+ has no crm\.contacts row/);

    const [after] = await sql<{ r: number; e: number; a: number }[]>`
      select (select count(*) from cortex_foundation.entity_relationships)::int as r, (select count(*) from cortex_scheduling.events)::int as e,
             (select count(*) from cortex_scheduling.event_participants)::int as a`;
    expect(after).toEqual(before);
  });

  it('no entity_relationships row is claimed by two link tables; derived links by none', async () => {
    await db().sql.begin(async (tx) => {
      // Rows of every kind, written with the reverse sync off (and rolled back) so that the claims alone are seen.
      await tx`alter table cortex_foundation.entity_relationships disable trigger cortex_reverse_sync`;
      const made = await tx<{ id: string }[]>`
        insert into cortex_foundation.entity_relationships (from_entity_id, to_entity_id, relationship_type, metadata) values
          (${person[0]!}, ${person[1]!}, 'works_for', null), (${person[0]!}, ${person[1]!}, 'member_of', null),
          (${person[0]!}, ${company[0]!}, 'member_of', null), (${person[0]!}, ${group[0]!}, 'works_for', null),
          (${person[0]!}, ${company[1]!}, 'works_for', '{"derived_from": "crm.tasks"}'), (${company[0]!}, ${person[0]!}, 'works_for', null)
        returning id::text`;
      const all = await tx<{ id: string; old_table: string | null; derived: boolean; claims: string[] }[]>`
        select r.id::text as id, m.old_table, coalesce(r.metadata ? 'derived_from', false) as derived,
               array_remove(array[
                 (select 'contact_company_memberships' from cortex_migration.rx_crm_contact_company_memberships v where v._new_id = r.id),
                 (select 'contact_relationships' from cortex_migration.rx_crm_contact_relationships v where v._new_id = r.id),
                 (select 'group_members' from cortex_migration.rx_crm_group_members v where v._new_id = r.id)], null) as claims
          from cortex_foundation.entity_relationships r
          left join cortex_migration.migration_mappings m on m.new_id = r.id::text`;
      expect(all.filter((r) => r.claims.length > 1)).toEqual([]);
      // A mapped row is claimed by its own table, a derived link by none.
      expect(all.filter((r) => r.old_table !== null && r.claims.join() !== r.old_table)).toEqual([]);
      expect(all.filter((r) => r.derived && r.claims.length > 0)).toEqual([]);
      expect(new Set(all.flatMap((r) => r.claims))).toEqual(new Set(['contact_company_memberships', 'contact_relationships', 'group_members']));
      // Unmapped rows: any link between two persons is a contact relationship; the other kinds no legacy table holds.
      const byId = new Map(all.map((r) => [r.id, r.claims]));
      expect(made.map((m) => byId.get(m.id))).toEqual([['contact_relationships'], ['contact_relationships'], [], [], [], []]);
      throw Object.assign(new Error('rollback'), { rollback: true });
    }).catch((e: { rollback?: boolean }) => { if (!e.rollback) throw e; });
  });

  it('validation passes after these writes, from both sides', async () => {
    for (const args of [['migrate', 'phase', '5'], ['validate']]) {
      const r = await cli(args);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
  });

  it('validation fails for target rows that would map back to another legacy row or not at all, naming them', async () => {
    const sql = db().sql;
    type Checks = Array<{ id: string; status: string; details?: string }>;
    const mapsBack = async () => {
      const r = await cli(['--json', 'validate']);
      const checks: Checks = JSON.parse(r.stdout).data.report.steps.flatMap((s: { checks: Checks }) => s.checks);
      return { code: r.code, check: checks.find((c) => c.id === 'maps-back-crm.group_members')! };
    };
    const [a, b] = await sql<{ id: string; old_id: string; from_entity_id: string; to_entity_id: string }[]>`
      select r.id::text, m.old_id, r.from_entity_id, r.to_entity_id from cortex_foundation.entity_relationships r
        join cortex_migration.migration_mappings m on m.new_id = r.id::text and m.old_table = 'group_members'
       order by m.old_id limit 2`;
    const [other] = await sql<{ new_id: string }[]>`
      select new_id from cortex_migration.migration_mappings where old_table = 'contacts' and new_id <> ${a!.from_entity_id}
         and not exists (select 1 from cortex_foundation.entity_relationships r where r.from_entity_id = new_id and r.to_entity_id = ${a!.to_entity_id})
       limit 1`;
    // Writes that bypass the triggers (a restore, a replica session): the way back never saw them.
    const bypass = (write: (tx: Sql) => Promise<unknown>) =>
      sql.begin(async (tx) => { await tx`set local session_replication_role = replica`; await write(tx); });
    await bypass((tx) => tx`update cortex_foundation.entity_relationships set from_entity_id = ${other!.new_id} where id = ${a!.id}::uuid`);
    await bypass((tx) => tx`update cortex_foundation.entity_relationships set to_entity_id = 'cg_no_such_group' where id = ${b!.id}::uuid`);
    const broken = await mapsBack();
    expect(broken.code).toBe(1);
    expect(broken.check).toMatchObject({ status: 'failed', actual: 2 });
    expect(broken.check.details).toContain(`${a!.id} (maps back to ${a!.old_id} as another row)`);
    expect(broken.check.details).toContain(`${b!.id} (to_entity_id cg_no_such_group has no crm.groups row)`);

    await bypass((tx) => tx`update cortex_foundation.entity_relationships set from_entity_id = ${a!.from_entity_id} where id = ${a!.id}::uuid`);
    await bypass((tx) => tx`update cortex_foundation.entity_relationships set to_entity_id = ${b!.to_entity_id} where id = ${b!.id}::uuid`);
    const fixed = await mapsBack();
    expect(fixed.code).toBe(0);
    expect(fixed.check.status).toBe('passed');
  });
});
