import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { openDatabase } from '../db/client.js';
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
    .description('normalised catalog snapshot (schemas, tables, columns, constraints, indexes, views, functions, triggers, sequences, types, extensions) as JSON')
    .option('--out <file>', 'write the snapshot to a file instead of stdout')
    .option('--schema <name...>', 'only these schemas (default: every user schema)')
    .action(
      action<SnapshotOpts>('snapshot', async (ctx, opts) => {
        const sql = await openDatabase(ctx.target(), { max: 2 });
        try {
          const schemas = opts.schema ?? (await userSchemas(sql));
          const snap = toSnapshot(await inspect(sql, schemas));
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
