// Archive is the point of no easy return: only after a passing validation, with nothing applied
// or reverted in phases 1-5 since.
import { CortexError } from '../../src/errors.js';
import type { Check, StepContext, StepOutcome } from '../../src/plan/model.js';
import type { Sql } from '../../src/db/client.js';

async function latest(sql: Sql) {
  const [r] = await sql<{ id: string; status: string; created_at: Date; later: number }[]>`
    select r.id, r.status, r.created_at,
           (select count(*)::int from cortex_migration.events e
             where e.at > r.created_at and e.phase < 6 and e.direction in ('up', 'down')) as later
    from cortex_migration.reports r where r.phase = 5 and r.direction in ('up', 'verify')
    order by r.id desc limit 1`;
  return r;
}

/** Refuse (exit 6) unless the latest validation passed and nothing changed since. */
export async function up({ sql }: StepContext): Promise<StepOutcome> {
  const r = await latest(sql);
  if (!r) throw new CortexError('REFUSED', 'archive needs a validation first: run `cortex validate`');
  if (r.status !== 'passed') throw new CortexError('REFUSED', `the latest validation (report #${r.id}) failed; fix it and run \`cortex validate\` again`);
  if (r.later > 0) throw new CortexError('REFUSED', `phases changed since the latest validation (report #${r.id}); run \`cortex validate\` again`);
  return { rows: 0 };
}

/** Nothing to revert. */
export async function down(): Promise<void> {}

/** The validation that allowed the archive. */
export async function verify({ sql }: StepContext): Promise<Check[]> {
  const r = await latest(sql);
  return [{ id: 'validated-before-archive', status: r?.status === 'passed' ? 'passed' : 'failed', expected: 'passed', actual: r?.status ?? 'none' }];
}
