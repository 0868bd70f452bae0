// Seed 003's FrameLord import (fixtures/plans/003-framelord-import) through the built CLI: the
// lifecycle, the Contact Zero rule, refusals before anything is written, identical re-imports,
// and the dirty export's accounting.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { adminUrl, useFreshDatabase } from '../helpers/db.js';

const PLAN = packagePath('fixtures', 'plans', '003-framelord-import');
const TABLES = [
  'users', 'contacts', 'folders', 'notes', 'note_target_contacts', 'note_links', 'topics', 'note_topics', 'tasks', 'interactions',
  'interaction_attachments', 'groups', 'group_memberships', 'projects', 'project_related_contacts', 'project_sections',
  'project_task_links', 'project_attachments', 'pipeline_templates', 'pipeline_stage_templates', 'pipeline_items',
];
const db = useFreshDatabase('p003');
const tmp = mkdtempSync(join(tmpdir(), 'cortex-p003-'));
const cli = (args: string[]) => runCli(['--database-url', db().url, '--plan', PLAN, '--reports-dir', join(tmp, 'reports'), ...args], { timeoutMs: 60_000 });

type Export = Record<string, unknown> & { users: { id: string; email: string }[]; contacts: { id: string; userId: string; isContactZero: boolean; createdAt: string }[]; notes: { id: string }[] };
const shipped = (name: string) => JSON.parse(readFileSync(join(PLAN, 'fixture', name), 'utf8')) as Export;

function writeExport(name: string, doc: unknown): string {
  const file = join(tmp, name);
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return file;
}

// Every row of the 21 tables, in a stable order: equal snapshots mean the same ids and values.
async function tableHashes(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TABLES) {
    const [r] = await db().sql<{ h: string }[]>`select count(*) || ':' || coalesce(md5(string_agg(x::text, ',' order by x::text)), '') as h from public.${db().sql(t)} x`;
    out[t] = r!.h;
  }
  return out;
}

async function nothingWritten(): Promise<void> {
  const [r] = await db().sql<{ tables: number; applied: number }[]>`
    select (select count(*)::int from pg_tables where schemaname in ('public', 'framelord_import')) as tables,
           (select count(*)::int from cortex_migration.steps where status = 'applied') as applied`;
  expect(r).toEqual({ tables: 0, applied: 0 });
}

async function contactZeroViolations(): Promise<{ twice: number; none: number }> {
  const twice = await db().sql`select user_id from public.contacts where is_contact_zero group by 1 having count(*) > 1`;
  const none = await db().sql`select u.id from public.users u where not exists (select 1 from public.contacts c where c.user_id = u.id and c.is_contact_zero)`;
  return { twice: twice.length, none: none.length };
}

type Report = { steps: { id: string; checks: { id: string; status: string; details?: string }[] }[] };
const checksOf = (report: Report) => report.steps.flatMap((s) => s.checks);

describe('plan 003-framelord-import', () => {
  it('verify-rollback: both phases up, verify, down to the identical schema and data, up again', async () => {
    const r = await runCli(['--database-url', adminUrl(), '--plan', PLAN, 'verify-rollback'], { timeoutMs: 60_000 });
    expect(r.code, r.stdout.slice(-1500) + r.stderr.slice(-1500)).toBe(0);
    expect(r.stdout).toContain('| phase 2 import: down restores the schema and keeps every write | passed |');
  }, 60_000);

  it('refuses exports that cannot be imported (exit 6) naming the user and contacts or the JSON path, before anything is written', async () => {
    const clean = shipped('export.json');
    const two = structuredClone(clean);
    const user = two.users[1]!;
    const second = two.contacts.findIndex((c) => c.userId === user.id && !c.isContactZero);
    two.contacts[second]!.isContactZero = true;
    const zero = two.contacts.findIndex((c) => c.userId === user.id && c.isContactZero);
    const nested = structuredClone(clean) as Export & { notes: Record<string, unknown>[] };
    nested.notes[5]!.topicSlugs = 'sales';
    const cases: [string, unknown, string][] = [
      ['two-zeros.json', two, `user ${user.id} (${user.email}) has 2 Contact Zeros: contacts ${two.contacts[zero]!.id} ($.contacts[${zero}]), ${two.contacts[second]!.id} ($.contacts[${second}])`],
      ['not-the-format.json', { ...clean, format: 'framelord-export/2' }, '$.format: not a framelord-export/1 document (format is "framelord-export/2")'],
      ['not-json-object.json', [clean], '$: not a framelord-export/1 document (the export is an array, not an object)'],
      ['not-an-array.json', { ...clean, contacts: { [clean.contacts[0]!.id]: clean.contacts[0] } }, '$.contacts: a collection must be an array, found an object'],
      ['nested-not-an-array.json', nested, '$.notes[5].topicSlugs: a collection must be an array, found a string'],
    ];
    for (const [name, doc, message] of cases) {
      const load = await cli(['fixtures', 'load', '--replace', '--input', writeExport(name, doc)]);
      expect(load.code, load.stderr).toBe(0);
      const r = await cli(['migrate', 'all']);
      expect(r.code, `${name}: ${r.stderr}`).toBe(6);
      expect(r.stderr).toContain(message);
      await nothingWritten();
    }
  }, 60_000);

  it('malformed JSON is a usage error (exit 2) with its line, column and position; the staged export is kept', async () => {
    const r = await cli(['fixtures', 'load', '--replace', '--input', writeExport('broken.json', '{\n "format": "framelord-export/1",\n "users": [\n  {"id": "u1",}\n ]\n}\n')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('broken.json is not valid JSON: Expected double-quoted property name at line 4, column 15 (position 61)');
    const [doc] = await db().sql<{ source: string }[]>`select source from framelord_export.documents`;
    expect(doc!.source).toMatch(/nested-not-an-array\.json$/);
  });

  it('imports the shipped export: every row accounted for, one Contact Zero per user, ids and timestamps from the export, diff clean', async () => {
    expect((await cli(['fixtures', 'load', '--replace'])).code).toBe(0);
    const r = await cli(['--json', 'migrate', 'all']);
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
    const checks = checksOf(JSON.parse(r.stdout).data.report as Report);
    expect(checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(checks.filter((c) => c.id.startsWith('accounted-'))).toHaveLength(21);
    expect(await contactZeroViolations()).toEqual({ twice: 0, none: 0 });
    const clean = shipped('export.json');
    const [c] = await db().sql<{ n: number; zeros: number; selves: number }[]>`
      select count(*)::int as n, count(*) filter (where is_contact_zero)::int as zeros,
             count(*) filter (where is_contact_zero and relationship_role = 'self')::int as selves from public.contacts`;
    expect(c).toEqual({ n: clean.contacts.length, zeros: 3, selves: 3 });
    // A uuid id is kept; another id becomes md5('framelord:<collection>:<id>'); timestamps are the export's.
    const contact = clean.contacts[4]!;
    const [kept] = await db().sql<{ created: Date }[]>`select created_at as created from public.contacts where id = ${contact.id}`;
    expect(kept!.created.toISOString()).toBe(contact.createdAt);
    const note = clean.notes[7]!;
    const [derived] = await db().sql<{ doc: string }[]>`
      select blocksuite_doc_id as doc from public.notes where id = md5('framelord:notes:' || ${note.id})::uuid and blocksuite_doc is null
        and blocksuite_snapshot ? 'legacyContent'`;
    expect(derived!.doc).toMatch(/^legacy-[0-9a-f-]{36}$/);
    const diff = await cli(['diff']);
    expect(diff.code, diff.stdout + diff.stderr).toBe(0);
  }, 60_000);

  it('a second Contact Zero, inserted or updated, is a unique violation', async () => {
    const sql = db().sql;
    const [u] = await sql<{ id: string }[]>`select id from public.users order by email limit 1`;
    const insert = sql`insert into public.contacts (user_id, full_name, is_contact_zero, relationship_domain, relationship_role)
                       values (${u!.id}, 'Second Me', true, 'personal', 'self')`;
    await expect(insert).rejects.toMatchObject({ code: '23505', constraint_name: 'uq_contacts_one_contact_zero' });
    const update = sql`update public.contacts set is_contact_zero = true
                       where id = (select id from public.contacts where user_id = ${u!.id} and not is_contact_zero limit 1)`;
    await expect(update).rejects.toMatchObject({ code: '23505', constraint_name: 'uq_contacts_one_contact_zero' });
  });

  it('rollback then migrate gives the same ids and rows; a rollback that would take rows of the application is refused', async () => {
    const before = await tableHashes();
    expect(Number(before.notes!.split(':')[0])).toBe(102);
    const sql = db().sql;
    await sql`insert into public.notes (user_id, author_contact_id, blocksuite_doc_id)
              select user_id, id, 'app-note' from public.contacts where is_contact_zero limit 1`;
    const refused = await cli(['rollback', 'phase', '2', '--yes']);
    expect(refused.code, refused.stderr).toBe(6);
    expect(refused.stderr).toContain('rows the import did not write are in its tables (1 in notes)');
    await sql`delete from public.notes where blocksuite_doc_id = 'app-note'`;
    expect((await cli(['rollback', 'phase', '2', '--yes'])).code).toBe(0);
    const [empty] = await sql<{ n: number }[]>`
      select (select count(*)::int from public.users) + (select count(*)::int from public.contacts)
           + (select count(*)::int from framelord_import.imported) + (select count(*)::int from framelord_import.rejected) as n`;
    expect(empty!.n).toBe(0);
    const again = await cli(['migrate', 'phase', '2']);
    expect(again.code, again.stderr).toBe(0);
    expect(await tableHashes()).toEqual(before);
  }, 60_000);

  it('phase 2 refuses an export changed to two Contact Zeros after phase 1, writing nothing', async () => {
    expect((await cli(['rollback', 'phase', '2', '--yes'])).code).toBe(0);
    const sql = db().sql;
    await sql`update framelord_export.documents
              set payload = jsonb_set(payload, '{contacts,5,isContactZero}', 'true')`;
    const r = await cli(['migrate', 'phase', '2']);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/user [0-9a-f-]{36} \(alex\.rivera@example\.com\) has 2 Contact Zeros/);
    const [n] = await sql<{ n: number }[]>`select (select count(*)::int from public.users) + (select count(*)::int from framelord_import.imported) as n`;
    expect(n!.n).toBe(0);
  });

  it('the dirty export: bad rows quarantined with their reason, imported + rejected = exported per collection, a Contact Zero built', async () => {
    expect((await cli(['rollback', 'phase', '1', '--yes'])).code).toBe(0);
    expect((await cli(['fixtures', 'load', '--replace', '--dirty'])).code).toBe(0);
    const r = await cli(['--json', 'migrate', 'all']);
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
    const checks = checksOf(JSON.parse(r.stdout).data.report as Report);
    expect(checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(checks.find((c) => c.id === 'contact-zero-built')?.details).toContain('built from the profile of users[3]');
    expect(checks.find((c) => c.id === 'merged-topics')?.details).toMatch(/^topics\[18\]: merged into topics\[\d+\]$/);
    const dirty = shipped('export-dirty.json');
    const sql = db().sql;
    // Accounted from the file itself, not from the plan's own counting.
    for (const name of ['users', 'contacts', 'folders', 'topics', 'notes', 'tasks', 'interactions', 'groups', 'projects', 'pipelineTemplates', 'pipelineItems']) {
      const [n] = await sql<{ n: number }[]>`
        select (select count(*)::int from framelord_import.imported where collection = ${name})
             + (select count(*)::int from framelord_import.rejected where collection = ${name}) as n`;
      expect(n!.n, name).toBe((dirty[name] as unknown[]).length);
    }
    const rejected = await sql<{ path: string; reason: string }[]>`select path, reason from framelord_import.rejected order by collection, path`;
    const reasons = rejected.map((x) => `${x.path}: ${x.reason.split(' (')[0]}`);
    expect(reasons).toEqual(expect.arrayContaining([
      'users[4]: new row for relation "users" violates check constraint "valid_email"',
      'contacts[53]: new row for relation "contacts" violates check constraint "contacts_frame_score_check"',
      'contacts[54]: duplicate of contacts[3]',
      'notes[102]: new row for relation "notes" violates check constraint "log_must_have_date"',
      'notes[103]: value too long for type character varying(500)',
      "notes[104].topicSlugs[1]: no topic with slug 'no-such-topic' for user " + dirty.users[0]!.id,
      'notes[104].linkedNoteIds[1]: insert or update on table "note_links" violates foreign key constraint "note_links_target_note_id_fkey"',
      'tasks[43]: insert or update on table "tasks" violates foreign key constraint "tasks_contact_id_fkey"',
      'tasks[44]: new row for relation "tasks" violates check constraint "valid_status"',
    ]));
    expect(await contactZeroViolations()).toEqual({ twice: 0, none: 0 });
    const [norm] = await sql<{ email: string; tags: string[] }[]>`
      select (select email from public.users where id = ${dirty.users[0]!.id}) as email,
             (select tags from public.contacts where id = md5('framelord:contacts:contact_string_tags')::uuid) as tags`;
    expect(norm).toEqual({ email: 'alex.rivera@example.com', tags: ['vip', 'investor'] });
  }, 60_000);
});
