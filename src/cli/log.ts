import type { Command } from 'commander';
import { openDatabase } from '../db/client.js';
import { CortexError } from '../errors.js';
import { type LedgerEvent, readEvents } from '../runner/history.js';
import { action, type CommandContext, positiveInt } from './shell.js';

const DEFAULT_LIMIT = 100;

interface LogOptions {
  limit?: string;
  phase?: string;
  step?: string;
}

function when(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** A duration as a DBA reads it: ms below a second, then seconds, then minutes. */
export function took(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function who(e: LedgerEvent): string {
  // Events from before who was recorded have none of it.
  if (e.osUser === null && e.host === null) return e.dbUser ?? '(not recorded)';
  const os = `${e.osUser ?? '?'}@${e.host ?? '?'}`;
  return e.dbUser ? `${os} (db ${e.dbUser})` : os;
}

function what(e: LedgerEvent): string {
  const failed = e.direction === 'fail' && typeof e.details?.direction === 'string' ? ` ${e.details.direction}` : '';
  return `${e.direction}${failed}`;
}

// The line under an event that says what it did beyond its kind: the error, the accepted checksum, the rows.
function detail(e: LedgerEvent): string | null {
  const d = e.details ?? {};
  if (e.direction === 'fail' && typeof d.error === 'string') return `error: ${d.error}`;
  if (e.direction === 'repair') return `checksum ${String(d.old_checksum)} → ${String(d.new_checksum)} (accepted; the step was not run)`;
  if (d.rows !== undefined && d.rows !== null) return `rows: ${String(d.rows)}`;
  return null;
}

function render(ctx: CommandContext, events: LedgerEvent[], total: number, filtered: boolean): string {
  if (total === 0) return filtered ? 'no events match' : 'no events recorded (nothing has run on this database)';
  const c = ctx.out.color;
  const rows = events.map((e) => [when(e.at), what(e), String(e.phase), e.step ?? '', took(e.durationMs), who(e), e.runId.slice(0, 8)]);
  const head = ['when', 'what', 'phase', 'step', 'took', 'who', 'run'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((s, i) => (i === cells.length - 1 ? s : s.padEnd(widths[i]!))).join('  ');
  const paint = (e: LedgerEvent, s: string) => (e.direction === 'fail' ? c.red(s) : e.direction === 'repair' ? c.yellow(s) : s);
  const out = [c.dim(line(head))];
  events.forEach((e, i) => {
    out.push(paint(e, line(rows[i]!)));
    const more = detail(e);
    if (more) out.push(c.dim(`    ${more}`));
  });
  if (total > events.length) out.push(c.dim(`${total - events.length} older events not shown (--limit 0 shows all)`));
  return out.join('\n');
}

/** `cortex log`: the ledger's events, newest first; read-only, creates nothing. */
export function registerLog(program: Command): void {
  program
    .command('log')
    .description(
      "the ledger's history, newest first: each step applied, reverted, failed or repaired, when, how long it took, and who ran it " +
        '(OS user, host and database role; not recorded for events older than this command) (read-only; creates nothing)',
    )
    .option('--limit <n>', 'show at most n events (0: all)', String(DEFAULT_LIMIT))
    .option('--phase <n>', 'only the events of phase n')
    .option('--step <id>', 'only the events of one step (e.g. 1-alpha/002-create-table)')
    .action(
      action<LogOptions>('log', async (ctx, opts) => {
        const limit = positiveInt('--limit', opts.limit, DEFAULT_LIMIT);
        const phase = opts.phase === undefined ? undefined : positiveInt('--phase', opts.phase, 0);
        if (phase === 0) throw new CortexError('USAGE', '--phase must be a phase number (1 or more)');
        const sql = await openDatabase(ctx.target(), { max: 1 });
        try {
          const { events, total } = await readEvents(sql, { limit, phase, step: opts.step });
          return { data: { events, total }, text: render(ctx, events, total, phase !== undefined || opts.step !== undefined) };
        } finally {
          await sql.end({ timeout: 5 });
        }
      }),
    );
}
