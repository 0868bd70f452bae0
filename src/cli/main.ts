import { Command, CommanderError, Option } from 'commander';
import { rememberSecret, scrub } from '../config/secrets.js';
import { isConnectionFailure } from '../db/client.js';
import { ExitCode } from '../errors.js';
import { version } from '../version.js';
import { registerArchive } from './archive.js';
import { registerBackfill } from './backfill.js';
import { quietOnClosedPipes } from './closed-pipe.js';
import { registerDemo } from './demo.js';
import { registerDiff } from './diff.js';
import { registerFixtures } from './fixtures.js';
import { configureHelp } from './help.js';
import { registerLog } from './log.js';
import { registerMigrate } from './migrate.js';
import { registerPlan } from './plan.js';
import { registerRepair } from './repair.js';
import { registerReport } from './report.js';
import { registerRollback } from './rollback.js';
import { registerSnapshot } from './snapshot.js';
import { registerStatus } from './status.js';
import { registerValidate } from './validate.js';
import { registerVerify } from './verify.js';
import { printUsageEnvelope, wantsJson } from './usage-error.js';
import { registerVerifyRollback } from './verify-rollback.js';

/** Build the commander program with the global options and every command. */
export function buildProgram(): Command {
  const program = new Command('cortex')
    .description(
      'Migrate a live PostgreSQL database by a plan: ordered, reversible phases of steps, verified after each, with a ledger in ' +
        'schema cortex_migration. --plan <dir> picks the plan; without it, the built-in Cortex plan (the legacy layout to the ' +
        'Cortex architecture in six phases).',
    )
    .version(version, '-V, --version')
    .option('--database-url <url>', 'PostgreSQL URL (else DATABASE_URL, else PG* variables)')
    .option('--config <file>', 'cortex.config.json (strict; unknown keys rejected)')
    .option('--json', 'print one JSON envelope on stdout; logs go to stderr', false)
    .option('--reports-dir <dir>', 'where reports are written', './reports')
    .option('--plan <dir>', 'plan directory (plan.json, phases/, migrations/); a database runs one plan at a time (default: the built-in Cortex plan)')
    .option('--no-color', 'disable colour (NO_COLOR is honoured too)')
    .option('-y, --yes', 'answer yes to confirmations', false)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      // Commander's own errors become one line; exit code 2 is set by main().
      outputError: (str, write) => write(scrub(str.split('\n').filter(Boolean)[0] ?? '') + '\n'),
    });
  program.addOption(new Option('--debug').hideHelp());
  // Before the commands are registered: commander copies the help settings into each of them.
  configureHelp(program);
  registerStatus(program);
  registerLog(program);
  registerPlan(program);
  registerMigrate(program);
  registerBackfill(program);
  registerRollback(program);
  registerRepair(program);
  registerVerify(program);
  registerValidate(program);
  registerVerifyRollback(program);
  registerReport(program);
  registerSnapshot(program);
  registerDiff(program);
  registerArchive(program);
  registerFixtures(program);
  registerDemo(program);
  return program;
}

function applyExitOverride(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) applyExitOverride(sub);
}

// The command has finished and reported; every connection it opened has been ended. A socket
// that still holds the process is a driver stuck reconnecting (postgres.js 3.4.9 retries a
// connection closed during startup with no end, porsager/postgres#1193), which once kept a
// Ctrl-C'd verify-rollback alive: after a grace period, exit with the command's own code. The
// timer is unref'd, so a process that ends normally never waits for it.
function exitIfStuck(): void {
  setTimeout(() => {
    process.stderr.write('warning: a database connection did not close after the command finished; exiting\n');
    process.exit();
  }, 10_000).unref();
}

// postgres.js 3.4.9 drops the promise of its array-type fetch on a new connection, so a backend
// terminated while starting up (a dropped scratch database, pg_terminate_backend) surfaces as an
// unhandled rejection (porsager/postgres#1192) and Node would end the process with exit 1. The
// query that opened the connection fails (or succeeds) on its own and is handled there; only
// connection errors are let pass, with a warning. Anything else is still fatal.
function survivePoolStartupErrors(): void {
  process.on('unhandledRejection', (err) => {
    const code = (err as { code?: unknown })?.code;
    if (isConnectionFailure(err) || code === '57P01') {
      process.stderr.write(`warning: a database connection closed while it was starting (${String(code)})\n`);
      return;
    }
    throw err;
  });
}

// `ps` shows a process's arguments to every user of the machine: bin/cortex hides them as soon as
// Node runs it, and here they come back with URL passwords masked. (While Node starts they are
// visible, some tens of milliseconds, which is why the README passes the password in PGPASSWORD.)
function hideSecretsFromPs(argv: string[]): void {
  process.title = scrub(['cortex', ...argv.slice(2)].join(' '));
}

/** CLI entry point: parse argv, run, and translate commander's usage errors to exit code 2. */
export async function main(argv: string[]): Promise<void> {
  hideSecretsFromPs(argv);
  quietOnClosedPipes();
  rememberSecret(process.env.PGPASSWORD);
  survivePoolStartupErrors();
  const program = buildProgram();
  applyExitOverride(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version exit 0; every parse error (unknown command/option, missing argument) is usage.
      process.exitCode = err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      if (err.exitCode !== 0 && wantsJson(argv)) printUsageEnvelope(program, argv, err);
      return;
    }
    throw err;
  } finally {
    exitIfStuck();
  }
}
