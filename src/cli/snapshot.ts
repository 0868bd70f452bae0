import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { openDatabase } from '../db/client.js';
import { CortexError } from '../errors.js';
import { inspect, userSchemas } from '../schema/inspect.js';
import { toSnapshot } from '../schema/model.js';
import { action } from './shell.js';

interface SnapshotOpts {
  out?: string;
  schema?: string[];
}

/** `cortex snapshot [--out f] [--schema s ...]`: the normalised catalog as stable, sorted JSON. */
export function registerSnapshot(program: Command): void {
  program
    .command('snapshot')
    .description('normalised catalog snapshot (schemas, tables with row-level security and partitioning, columns, constraints, indexes, views, functions, triggers, policies, sequences, types, extensions, privileges) as JSON')
    .option('--out <file>', 'write the snapshot to a file instead of stdout')
    .option('--schema <name...>', 'only these schemas (default: every user schema); a schema that does not exist is an error (exit 2)')
    .action(
      action<SnapshotOpts>('snapshot', async (ctx, opts) => {
        const sql = await openDatabase(ctx.target(), { max: 2 });
        try {
          const schemas = opts.schema ?? (await userSchemas(sql));
          const catalog = await inspect(sql, schemas);
          const found = new Set([...catalog.objects.values()].filter((o) => o.kind === 'schema').map((o) => o.schema));
          const missing = schemas.filter((s) => !found.has(s));
          if (missing.length > 0) throw new CortexError('USAGE', `${missing.length === 1 ? 'schema' : 'schemas'} ${missing.join(', ')} not found in the database`);
          const snap = toSnapshot(catalog);
          const json = `${JSON.stringify(snap, null, 1)}\n`;
          if (opts.out) {
            await writeFile(opts.out, json);
            return { data: { file: opts.out, objects: snap.objects.length }, text: `wrote ${snap.objects.length} objects to ${opts.out}` };
          }
          return { data: snap, text: json };
        } finally {
          await sql.end({ timeout: 5 });
        }
      }),
    );
}
