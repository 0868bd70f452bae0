import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseDatabaseUrl } from '../config/connection.js';
import { openDatabase } from '../db/client.js';
import { CortexError, ExitCode } from '../errors.js';
import { type Change, describeChange, diffCatalogs } from '../schema/diff.js';
import { inspect, userSchemas } from '../schema/inspect.js';
import { type Catalog, filterSchemas, fromSnapshot, type Snapshot } from '../schema/model.js';
import { action } from './shell.js';

interface DiffOpts {
  from?: string;
  to?: string;
  schema?: string[];
}

async function load(source: string): Promise<Catalog> {
  if (/^postgres(ql)?:\/\//.test(source)) {
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

function render(changes: Change[]): string {
  if (changes.length === 0) return 'no differences';
  const lines: string[] = [];
  let schema = '';
  for (const c of changes) {
    if (c.schema !== schema) {
      schema = c.schema;
      lines.push(`${schema}:`);
    }
    lines.push(`  ${describeChange(c)}`);
  }
  lines.push(`${changes.length} difference(s)`);
  return lines.join('\n');
}

/** `cortex diff --from <url|file> --to <url|file>`: Atlas-style diff of two catalogs; exit 1 when they differ. */
export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('schema diff between two databases or snapshot files (+ only in --to, - only in --from, ~ changed); exit 1 when they differ')
    .option('--from <url|file>', 'the starting state (a postgres:// URL or a snapshot file)')
    .option('--to <url|file>', 'the other state (default: --database-url)')
    .option('--schema <name...>', 'only these schemas')
    .action(
      action<DiffOpts>('diff', async (ctx, opts) => {
        if (!opts.from) {
          throw new CortexError('NOT_IMPLEMENTED', 'diff against the schema-as-code expected state is not implemented yet; pass --from <url|file> (and --to, default --database-url)');
        }
        const from = await load(opts.from);
        const to = await load(opts.to ?? ctx.target().url);
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
