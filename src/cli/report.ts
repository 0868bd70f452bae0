import type { Command } from 'commander';
import { openDatabase } from '../db/client.js';
import { CortexError } from '../errors.js';
import { ledgerExists } from '../runner/ledger.js';
import type { Report } from '../verify/report.js';
import { toMarkdown } from '../verify/writers.js';
import { action } from './shell.js';

interface ReportOpts {
  last: boolean;
  phase?: string;
  limit: string;
}

/** `cortex report [--last] [--phase N]`: print reports stored in `cortex_migration.reports`. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('print stored reports: a list, or the latest one in full with --last')
    .option('--last', 'print the most recent report in full', false)
    .option('--phase <n>', 'only reports of phase N')
    .option('--limit <n>', 'how many reports to list', '20')
    .action(
      action<ReportOpts>('report', async (ctx, opts) => {
        const phase = opts.phase === undefined ? null : Number(opts.phase);
        const limit = Number(opts.limit);
        if ((phase !== null && !Number.isInteger(phase)) || !Number.isInteger(limit) || limit < 1) {
          throw new CortexError('USAGE', '--phase and --limit take whole numbers');
        }
        const sql = await openDatabase(ctx.target(), { max: 1 });
        try {
          if (!(await ledgerExists(sql))) return { data: { reports: [] }, text: 'no reports: nothing has run on this database' };
          const rows = await sql<{ id: string; created_at: Date; phase: number; direction: string; status: string; report: Report }[]>`
            select id, created_at, phase, direction, status, report from cortex_migration.reports
            where ${phase}::int is null or phase = ${phase}
            order by id desc limit ${opts.last ? 1 : limit}`;
          if (opts.last) {
            const r = rows[0];
            if (!r) return { data: { report: null }, text: 'no reports yet' };
            return { data: { report: r.report }, text: toMarkdown(r.report) };
          }
          const list = rows.map((r) => ({ id: Number(r.id), createdAt: new Date(r.created_at).toISOString(), phase: r.phase, direction: r.direction, status: r.status }));
          const text = list.length === 0 ? 'no reports yet' : list.map((r) => `#${r.id}  ${r.createdAt}  phase ${r.phase} ${r.direction.padEnd(6)} ${r.status}`).join('\n');
          return { data: { reports: list }, text };
        } finally {
          await sql.end({ timeout: 5 });
        }
      }),
    );
}
