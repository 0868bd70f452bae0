// The Cortex plan's mapped tables, in the order they are mapped, copied and synced (parents first).
import { appUsers } from './app-users.js';
import { appWorkspaces } from './app-workspaces.js';
import { appWorkspaceMembers } from './app-workspace-members.js';
import { appSpaces } from './app-spaces.js';
import { appSpaceItems } from './app-space-items.js';
import { crmContacts } from './crm-contacts.js';
import { crmContactPhones } from './crm-contact-phones.js';
import { crmContactEmails } from './crm-contact-emails.js';
import { crmCompanies } from './crm-companies.js';
import { crmContactCompanyMemberships } from './crm-contact-company-memberships.js';
import { crmContactRelationships } from './crm-contact-relationships.js';
import { crmGroups } from './crm-groups.js';
import { crmGroupMembers } from './crm-group-members.js';
import { crmProjects } from './crm-projects.js';
import { crmTasks } from './crm-tasks.js';
import { crmNotes } from './crm-notes.js';
import { calendarEvents } from './calendar-events.js';
import { calendarEventAttendees } from './calendar-event-attendees.js';
import { financeAccounts } from './finance-accounts.js';
import { financeTransactions } from './finance-transactions.js';
import { financePayables } from './finance-payables.js';
import { financeReceivables } from './finance-receivables.js';
import type { Output } from '../../src/generate/generate.js';
import type { TableSpec } from '../../src/generate/spec.js';
import { belowFunctions } from '../../src/generate/templates/below.js';
import { changeLogTrigger } from '../../src/generate/templates/change-log.js';
import { dualWriteTrigger } from '../../src/generate/templates/dual-write.js';
import { mappingTrigger } from '../../src/generate/templates/mapping.js';
import { reverseSyncFunctions } from '../../src/generate/templates/reverse-sync.js';
import { syncOne } from '../../src/generate/templates/sync-one.js';
import { syncFunctions } from '../../src/generate/templates/sync.js';

/** Every mapped table of the Cortex plan, parents before children. */
export const TABLES: readonly TableSpec[] = [
  appUsers,
  appWorkspaces,
  appWorkspaceMembers,
  appSpaces,
  appSpaceItems,
  crmContacts,
  crmContactPhones,
  crmContactEmails,
  crmCompanies,
  crmContactCompanyMemberships,
  crmContactRelationships,
  crmGroups,
  crmGroupMembers,
  crmProjects,
  crmTasks,
  crmNotes,
  calendarEvents,
  calendarEventAttendees,
  financeAccounts,
  financeTransactions,
  financePayables,
  financeReceivables,
];

/** The step folders the generated SQL of each table goes into (`npm run generate`), and with what. */
export const OUTPUTS: readonly Output[] = [
  { step: 'migrations/2-id-mapping/001-create-mapping', templates: [mappingTrigger] },
  { step: 'migrations/3-backfill/007-create-sync-functions', templates: [belowFunctions, syncFunctions] },
  { step: 'migrations/3-backfill/008-create-change-log', templates: [changeLogTrigger] },
  { step: 'migrations/4-dual-write/001-create-dual-write', templates: [syncOne, dualWriteTrigger] },
  { step: 'migrations/4-dual-write/003-create-reverse-sync', templates: [reverseSyncFunctions] },
];
