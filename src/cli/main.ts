import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from '../errors.js';
import { version } from '../version.js';
import { registerArchive } from './archive.js';
import { registerDemo } from './demo.js';
import { registerDiff } from './diff.js';
import { registerFixtures } from './fixtures.js';
import { registerMigrate } from './migrate.js';
import { registerPlan } from './plan.js';
import { registerReport } from './report.js';
import { registerRollback } from './rollback.js';
import { registerSnapshot } from './snapshot.js';
import { registerStatus } from './status.js';
import { registerValidate } from './validate.js';
import { registerVerify } from './verify.js';
import { registerVerifyRollback } from './verify-rollback.js';

/** Build the commander program with the global options and every command. */
export function buildProgram(): Command {
  const program = new Command('cortex')
    .description('Move a live PostgreSQL database from the legacy layout to the Cortex architecture in six reversible, verified phases.')
    .version(version, '-V, --version')
    .option('--database-url <url>', 'PostgreSQL URL (else DATABASE_URL, else PG* variables)')
    .option('--config <file>', 'cortex.config.json (strict; unknown keys rejected)')
    .option('--json', 'print one JSON envelope on stdout; logs go to stderr', false)
    .option('--reports-dir <dir>', 'where reports are written', './reports')
    .option('--plan <dir>', 'plan directory (phases/ and migrations/); default: the built-in Cortex plan')
    .option('--no-color', 'disable colour (NO_COLOR is honoured too)')
    .option('-y, --yes', 'answer yes to confirmations', false)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      // Commander's own errors become one line; exit code 2 is set by main().
      outputError: (str, write) => write(str.split('\n').filter(Boolean)[0] + '\n'),
    });
  program.addOption(new Option('--debug').hideHelp());
  registerStatus(program);
  registerPlan(program);
  registerMigrate(program);
  registerRollback(program);
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

/** CLI entry point: parse argv, run, and translate commander's usage errors to exit code 2. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  applyExitOverride(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version exit 0; every parse error (unknown command/option, missing argument) is usage.
      process.exitCode = err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      return;
    }
    throw err;
  }
}
