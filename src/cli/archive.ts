import type { Command } from 'commander';
import { CortexError } from '../errors.js';
import { action } from './shell.js';
import { withRun } from './session.js';

interface PurgeOpts {
  confirm?: string;
  force: boolean;
  lockTimeout?: string;
}

/** `cortex archive purge`: drop the *_deprecated schemas past their retention date (irreversible). */
export function registerArchive(program: Command): void {
  const archive = program.command('archive').description('archived legacy schemas');
  archive
    .command('purge')
    .description('drop the *_deprecated schemas past retention — irreversible; needs --yes and --confirm <database name>')
    .option('--confirm <database>', 'the name of the database, typed out')
    .option('--force', 'also purge schemas whose retention date has not passed', false)
    .option('--lock-timeout <seconds>', 'wait this long for another run to finish (default 10)')
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
          const purged: string[] = [];
          for (const r of rows) {
            await sql`drop schema ${sql(r.archived_as)} cascade`;
            purged.push(r.archived_as);
          }
          return { data: { purged }, text: `purged ${purged.join(', ')}` };
        });
      }),
    );
}
