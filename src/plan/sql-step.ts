import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CortexError } from '../errors.js';
import { dropInvalidIndexFor } from './invalid-index.js';
import { analyzeLocks } from './locks.js';
import type { Check, CheckStatus, Step, StepContext } from './model.js';
import { splitStatements } from './statements.js';
import { checkStepCatalog, readStepCatalog, STEP_CATALOG_FILE } from '../schema/step-catalog.js';

const StepMeta = z.strictObject({ transactional: z.boolean().optional() });

// step.json: strict, so a misspelt key cannot silently run a step in a transaction it must not be in.
function readStepMeta(file: string, text: string): z.infer<typeof StepMeta> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CortexError('USAGE', `${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = StepMeta.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CortexError('USAGE', `${file}${issue.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue.message}`);
  }
  return parsed.data;
}

type VerifyRow = { id?: string; status?: string; ok?: boolean; expected?: unknown; actual?: unknown; details?: string };

/** sha256 over the named files of a step (missing files hash as empty), in a fixed order. */
export function hashFiles(dir: string, files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    const p = join(dir, f);
    h.update(`${f}\0`);
    if (existsSync(p)) h.update(readFileSync(p));
    h.update('\0');
  }
  return h.digest('hex');
}

function toCheck(row: VerifyRow, stepId: string): Check {
  if (!row.id) throw new CortexError('STEP_FAILED', `verify.sql of ${stepId} returned a row without an "id" column`);
  let status: CheckStatus;
  if (row.status === 'passed' || row.status === 'failed' || row.status === 'warning') status = row.status;
  else if (typeof row.ok === 'boolean') status = row.ok ? 'passed' : 'failed';
  else throw new CortexError('STEP_FAILED', `verify.sql of ${stepId}: check ${row.id} has neither status nor ok`);
  const check: Check = { id: row.id, status };
  if (row.expected !== undefined && row.expected !== null) check.expected = row.expected;
  if (row.actual !== undefined && row.actual !== null) check.actual = row.actual;
  if (row.details) check.details = row.details;
  return check;
}

async function runScript(ctx: StepContext, script: string, transactional: boolean): Promise<void> {
  if (transactional) {
    await ctx.sql.unsafe(script);
    return;
  }
  // Outside a transaction (e.g. CREATE INDEX CONCURRENTLY) each statement is its own call and
  // commits on its own: a lock timeout retries that statement alone, never the ones before it.
  for (const st of splitStatements(script)) {
    const attempt = async () => {
      // An INVALID index of this name (left by a CREATE INDEX CONCURRENTLY that failed after
      // creating it, in the previous attempt or an interrupted run) would make IF NOT EXISTS skip
      // the build and leave the step "done" with an index no query uses: drop it first.
      await dropInvalidIndexFor(ctx.sql, st, ctx.log);
      await ctx.sql.unsafe(st);
    };
    await (ctx.lockRetry ? ctx.lockRetry(attempt) : attempt());
  }
}

// A step's script: `<name>.sql`, or the `.sql` files of the folder `<name>/` (up in name order, down
// in reverse, so a folder's `000-…` file of shared objects comes first up and last down). Folders
// hold generated files (one per mapped table) beside hand-written ones.
function scriptFiles(dir: string, name: 'up' | 'down'): string[] {
  if (existsSync(join(dir, `${name}.sql`))) return [`${name}.sql`];
  const folder = join(dir, name);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return [];
  const files = readdirSync(folder).filter((f) => f.endsWith('.sql')).sort().map((f) => `${name}/${f}`);
  return name === 'down' ? files.reverse() : files;
}

/**
 * A step defined by a folder `NNN-verb-noun/` holding `up.sql` (or `up/*.sql`), `down.sql` (or
 * `down/*.sql`), `verify.sql` and an
 * optional `step.json` (`{"transactional": false}`), `check.sql` (raises an exception when up must
 * be refused; run before anything is asked or changed, and again before up.sql), `check-down.sql`
 * (the same for down, before down.sql) and a generated
 * `catalog.json` (the objects up.sql creates, checked by verify). `verify.sql` is a query returning one row per
 * check: `id`, and `status` ('passed'|'failed'|'warning') or `ok` boolean, with optional
 * `expected`, `actual`, `details`.
 */
export function loadSqlStep(dir: string, phase: number, phaseSlug: string, name: string, ordinal: number): Omit<Step, 'plan'> {
  const scripts = { up: scriptFiles(dir, 'up'), down: scriptFiles(dir, 'down') };
  for (const f of ['up', 'down'] as const) {
    if (scripts[f].length === 0) throw new CortexError('USAGE', `step ${phaseSlug}/${name} has no ${f}.sql (nor ${f}/*.sql)`);
  }
  // check-down.sql joins the hashed files only when present: naming it for every step would change
  // the checksum of steps applied before it existed (drift).
  const hasCheckDownSql = existsSync(join(dir, 'check-down.sql'));
  const files = [...scripts.up, ...scripts.down, 'verify.sql', 'check.sql', 'step.json', STEP_CATALOG_FILE, ...(hasCheckDownSql ? ['check-down.sql'] : [])];
  const hasVerifySql = existsSync(join(dir, 'verify.sql'));
  if (!hasVerifySql && !existsSync(join(dir, STEP_CATALOG_FILE))) {
    throw new CortexError('USAGE', `step ${phaseSlug}/${name} has neither verify.sql nor ${STEP_CATALOG_FILE}`);
  }
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const script = (direction: 'up' | 'down') => scripts[direction].map(read).join('\n');
  const meta = existsSync(join(dir, 'step.json')) ? readStepMeta(join(dir, 'step.json'), read('step.json')) : {};
  const id = `${phaseSlug}/${name}`;
  const transactional = meta.transactional !== false;
  const hasCheckSql = existsSync(join(dir, 'check.sql'));
  const check = async (ctx: StepContext, direction: 'up' | 'down') => {
    if (direction === 'up' && hasCheckSql) await ctx.sql.unsafe(read('check.sql'));
    if (direction === 'down' && hasCheckDownSql) await ctx.sql.unsafe(read('check-down.sql'));
  };
  return {
    id,
    name,
    phase,
    ordinal,
    dir,
    transactional,
    checksum: hashFiles(dir, files),
    up: async (ctx) => {
      await check(ctx, 'up');
      await runScript(ctx, script('up'), transactional);
    },
    down: async (ctx) => {
      // Checked again in the step's own transaction: a write since the preflight may refuse it now.
      // A refusal, not a failed step: nothing was changed (exit 6, as in the preflight).
      // Only its RAISE EXCEPTION (P0001) is a refusal; a lock timeout stays one, to be retried.
      // The runner names the phase and the step (see runner/refusal.ts).
      await check(ctx, 'down').catch((err: unknown) => {
        if ((err as { code?: string })?.code !== 'P0001') throw err;
        throw new CortexError('REFUSED', (err as Error).message.split('\n')[0] ?? '');
      });
      await runScript(ctx, script('down'), transactional);
    },
    ...(hasCheckSql || hasCheckDownSql ? { check } : {}),
    verify: async (ctx) => {
      const rows = hasVerifySql ? ((await ctx.sql.unsafe(read('verify.sql'))) as unknown as VerifyRow[]) : [];
      const checks = rows.map((r) => toCheck(r, id));
      // Generated from up.sql itself (see `npm run catalogs`), so the DDL is its own checklist.
      const expected = readStepCatalog(dir);
      if (expected) checks.push(...(await checkStepCatalog(ctx.sql, expected)));
      return checks;
    },
    describe: (direction) => {
      const text = script(direction);
      return { statements: splitStatements(text), locks: analyzeLocks(text) };
    },
  };
}
