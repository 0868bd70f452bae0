// The plain path is generated only from a spec whose plain and derived columns the transform really
// copies as they are: a wrong spec is refused by `npm run generate` with the columns named.
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../../src/generate/generate.js';
import type { TableSpec } from '../../src/generate/spec.js';
import { dualWriteTrigger } from '../../src/generate/templates/dual-write.js';
import { plainColumns } from '../../src/generate/templates/plain-update.js';
import { OUTPUTS, TABLES } from '../../phases/tables/index.js';
import { crmContacts } from '../../phases/tables/crm-contacts.js';
import { crmTasks } from '../../phases/tables/crm-tasks.js';
import { appWorkspaceMembers } from '../../phases/tables/app-workspace-members.js';
import { appSpaces } from '../../phases/tables/app-spaces.js';

function render(spec: TableSpec): string | undefined {
  return dualWriteTrigger.render(spec, TABLES)?.up;
}

describe('plain path columns', () => {
  it('every spec of the plan is accepted, and a table without plain columns has no plain path', () => {
    expect(() => generatedFiles(TABLES, OUTPUTS)).not.toThrow();
    expect(plainColumns(crmTasks)).toEqual({ plain: crmTasks.plain, derived: [{ column: 'status', expression: 'cortex_migration.task_status(%s)' }] });
    expect(render(crmTasks)).toContain('status = cortex_migration.task_status(nrow.status)');
    const groups = TABLES.find((t) => t.legacy.table === 'groups')!;
    expect(plainColumns(groups)).toBeUndefined();
    expect(render(groups)).not.toContain("tg_op = 'UPDATE'");
  });

  it.each([
    ['the key', { ...crmTasks, plain: [...crmTasks.plain, 'task_id'] }, /plain columns of crm\.tasks: task_id cannot be copied as they are/],
    ['created_at', { ...crmTasks, plain: [...crmTasks.plain, 'created_at'] }, /plain columns of crm\.tasks: created_at cannot be copied/],
    ['a column the transform does not read', { ...crmTasks, plain: ['description', 'no_such_column'] }, /crm\.tasks: no_such_column cannot/],
    ['a column the target does not have', { ...crmTasks, plain: ['triggering_message_id'] }, /crm\.tasks: triggering_message_id cannot/],
    ['a reference to another table', { ...appSpaces, plain: ['parent_space_id'] }, /app\.spaces: parent_space_id cannot/],
    ['the tag list', { ...crmTasks, plain: ['tags'] }, /crm\.tasks: tags cannot/],
    ['an entity\'s updated_at (the registry reads it)', { ...crmContacts, plain: ['notes', 'updated_at'] }, /crm\.contacts: updated_at cannot/],
    ['an entity\'s created_by', { ...crmContacts, plain: ['created_by'] }, /crm\.contacts: created_by cannot/],
    ['a derived column the transform does not read', { ...crmTasks, derived: { state: 'lower(%s)' } }, /crm\.tasks: state cannot/],
    ['a derived expression without %s', { ...crmTasks, derived: { status: 'lower(status)' } }, /crm\.tasks: the expression of status must hold %s once/],
    ['a composite key', { ...appWorkspaceMembers, plain: ['role'] }, /app\.workspace_members: only tables with a one-column key have a plain path/],
  ] as const)('refuses %s', (_what, spec, error) => {
    expect(() => render(spec as TableSpec)).toThrow(error);
  });

  it('names every offending column at once', () => {
    expect(() => render({ ...crmTasks, plain: ['created_at', 'description', 'task_id'] })).toThrow('plain columns of crm.tasks: created_at, task_id cannot be copied as they are');
  });
});
