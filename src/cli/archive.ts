import type { Command } from 'commander';
import { CortexError } from '../errors.js';
import { REVERSE_TRIGGER } from '../names.js';
import { action } from './shell.js';
import { withRun } from './session.js';

interface PurgeOpts {
  confirm?: string;
  force: boolean;
  lockTimeout?: string;
}

/** `cortex archive purge`: drop the *_deprecated schemas past their retention date (irreversible). */
export function registerArchive(program: Command): void {
  const archive = program.command('archive').description('archived legacy schemas (the built-in Cortex plan\'s phase 6)');
  archive
    .command('purge')
    .description('drop the *_deprecated schemas past retention — irreversible; needs --yes and --confirm <database name>')
    .option('--confirm <database>', 'the name of the database, typed out')
    .option('--force', 'also purge schemas whose retention date has not passed', false)
    .option('--lock-timeout <seconds>', 'wait this long for another run to finish (default: 10)')
    .action(
      action<PurgeOpts>('archive purge', async (ctx, opts) => {
        const target = ctx.target();
        if (!ctx.globals.yes || opts.confirm !== target.database) {
          throw new CortexError('USAGE', `purge is irreversible: pass --yes and --confirm ${target.database}`);
        }
        return withRun(ctx, opts, async (_env, sql) => {
          const [t] = await sql<{ ok: boolean }[]>`select to_regclass('cortex_migration.archive') is not null as ok`;
          if (!t!.ok) throw new CortexError('REFUSED', 'nothing is archived (phase 6 is not applied)');
          const rows = await sql<{ archived_as: string; retain_until: Date; due: boolean }[]>`
            select archived_as, retain_until, retain_until <= clock_timestamp() as due from cortex_migration.archive
            where to_regnamespace(archived_as) is not null order by 1`;
          if (rows.length === 0) return { data: { purged: [] }, text: 'nothing to purge' };
          const early = rows.filter((r) => !r.due);
          if (early.length > 0 && !opts.force) {
            throw new CortexError('REFUSED', `retention has not passed for ${early.map((r) => `${r.archived_as} (until ${new Date(r.retain_until).toISOString()})`).join(', ')}; pass --force to purge anyway`);
          }
          // The way back ends here: the reverse triggers go with the tables they wrote, in one
          // transaction, so no target write is ever left calling a reverse sync with no table.
          const purged: string[] = [];
          const reverse = await sql<{ schema: string; table: string }[]>`
            select n.nspname as schema, c.relname as table from pg_trigger g join pg_class c on c.oid = g.tgrelid
              join pg_namespace n on n.oid = c.relnamespace where g.tgname = ${REVERSE_TRIGGER} order by 1, 2`;
          await sql.begin(async (tx) => {
            for (const t of reverse) await tx`drop trigger ${tx(REVERSE_TRIGGER)} on ${tx(t.schema)}.${tx(t.table)}`;
            for (const r of rows) {
              await tx`drop schema ${tx(r.archived_as)} cascade`;
              purged.push(r.archived_as);
            }
          });
          const ended = reverse.length > 0 ? `; the way back is removed from ${reverse.length} target tables` : '';
          return { data: { purged, reverseTriggersRemoved: reverse.length }, text: `purged ${purged.join(', ')}${ended}` };
        });
      }),
    );
}
