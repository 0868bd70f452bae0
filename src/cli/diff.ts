import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseDatabaseUrl } from '../config/connection.js';
import { openDatabase } from '../db/client.js';
import { CortexError, ExitCode } from '../errors.js';
import { readLedger } from '../runner/ledger.js';
import { assertPlanOwner } from '../runner/plan-owner.js';
import { type PhaseStatus, planStatus } from '../runner/state.js';
import { type Change, describeChangeLines, diffCatalogs } from '../schema/diff.js';
import { diffExpected, expectedState } from '../schema/expected.js';
import { inspect, userSchemas } from '../schema/inspect.js';
import { type Catalog, filterSchemas, fromSnapshot, type Snapshot } from '../schema/model.js';
import { configOf, planOf } from './session.js';
import { action, type CommandContext } from './shell.js';

interface DiffOpts {
  from?: string;
  to?: string;
  schema?: string[];
}

async function load(source: string): Promise<Catalog> {
  // Anything shaped like a URL is one (parseDatabaseUrl names a wrong scheme); only the rest is a file.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    const sql = await openDatabase(parseDatabaseUrl(source, 'option'), { max: 2 });
    try {
      return await inspect(sql, await userSchemas(sql));
    } finally {
      await sql.end({ timeout: 5 });
    }
  }
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch {
    throw new CortexError('USAGE', `cannot read snapshot file ${source}`);
  }
  try {
    return fromSnapshot(JSON.parse(text) as Snapshot);
  } catch (err) {
    throw new CortexError('USAGE', `${source}: ${(err as Error).message}`);
  }
}

function render(changes: Change[], header: string[] = []): string {
  if (changes.length === 0) return [...header, 'no differences'].join('\n');
  const lines: string[] = [...header];
  let schema = '';
  for (const c of changes) {
    if (c.schema !== schema) {
      schema = c.schema;
      lines.push(`${schema}:`);
    }
    for (const l of describeChangeLines(c)) lines.push(`  ${l}`);
  }
  lines.push(`${changes.length} difference(s)`);
  return lines.join('\n');
}

/** Phases 1..N all applied, N highest; later phases that are not pending are worth a warning. */
function appliedPrefix(phases: PhaseStatus[]): { upTo: number; unsettled: PhaseStatus[] } {
  let upTo = 0;
  for (const p of phases) {
    if (p.state !== 'applied' && p.state !== 'drift') break;
    upTo = p.number;
  }
  return { upTo, unsettled: phases.filter((p) => p.number > upTo && p.state !== 'pending') };
}

// Live database against the schema-as-code state of the phases applied to it (drift).
async function diffLive(ctx: CommandContext, schemas: string[] | undefined) {
  const plan = await planOf(ctx, configOf(ctx));
  const sql = await openDatabase(ctx.target(), { max: 2 });
  try {
    await assertPlanOwner(sql, plan);
    const { upTo, unsettled } = appliedPrefix(planStatus(plan, await readLedger(sql)));
    const expected = expectedState(plan, upTo);
    if (!expected) {
      throw new CortexError('NOT_IMPLEMENTED', `plan ${plan.name} ships no expected-state.json for its phases; pass --from <url|file>`);
    }
    let changes = diffExpected(expected, await inspect(sql, await userSchemas(sql)));
    if (schemas) changes = changes.filter((c) => schemas.includes(c.schema));
    const applied = upTo === 0 ? 'no phase applied' : upTo === 1 ? 'phase 1 applied' : `phases 1..${upTo} applied`;
    const header = [`expected: plan ${plan.name} with ${applied} (- expected but missing, + present but not expected, ~ changed)`];
    for (const p of unsettled) ctx.out.warn(`phase ${p.number} is ${p.state}; its objects show as differences`);
    return { changes, header, upTo };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** `cortex diff`: drift against the expected state of the applied phases, or (`--from`, `--to`) an Atlas-style diff of two catalogs; exit 1 when they differ. */
export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('schema diff: with no --from, the database against the expected state of the phases applied to it (drift); else between two databases or snapshot files (+ only in --to, - only in --from, ~ changed); exit 1 when they differ')
    .option('--from <url|file>', 'the starting state (a postgres:// URL or a snapshot file); without it, the schema-as-code expected state')
    .option('--to <url|file>', 'the other state (default: --database-url)')
    .option('--schema <name...>', 'only these schemas')
    .action(
      action<DiffOpts>('diff', async (ctx, opts) => {
        if (!opts.from) {
          if (opts.to) throw new CortexError('USAGE', '--to needs --from (without --from, the database given by --database-url is compared with its expected state)');
          const { changes, header, upTo } = await diffLive(ctx, opts.schema);
          return {
            data: { expectedPhases: upTo, changes },
            text: render(changes, header),
            ...(changes.length > 0 ? { exitCode: ExitCode.checksFailed, error: { code: 'DIFFERENCES', message: `${changes.length} difference(s) from the expected state` } } : {}),
          };
        }
        const from = await load(opts.from);
        const to = await load(opts.to ?? ctx.target().url);
        const known = new Set([from, to].flatMap((c) => [...c.objects.values()].filter((o) => o.kind === 'schema').map((o) => o.schema)));
        const unknown = (opts.schema ?? []).filter((s) => !known.has(s));
        if (unknown.length > 0) throw new CortexError('USAGE', `${unknown.length === 1 ? 'schema' : 'schemas'} ${unknown.join(', ')} in neither --from nor --to`);
        const a = opts.schema ? filterSchemas(from, opts.schema) : from;
        const b = opts.schema ? filterSchemas(to, opts.schema) : to;
        const changes = diffCatalogs(a, b);
        return {
          data: { changes },
          text: render(changes),
          ...(changes.length > 0 ? { exitCode: ExitCode.checksFailed, error: { code: 'DIFFERENCES', message: `${changes.length} difference(s)` } } : {}),
        };
      }),
    );
}
