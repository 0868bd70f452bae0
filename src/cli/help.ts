import type { Command, Option } from 'commander';

// Kept beside the help rather than derived from ExitCode: the help says what each code means to
// the person reading it, which the enum's names do not.
const EXIT_CODES = `Exit codes:
  0    ok
  1    checks failed or differences found
  2    usage or configuration error, or a confirmation needed without a terminal (pass --yes)
  3    cannot connect or authenticate
  4    another cortex run holds the lock
  5    drift: an applied step changed, or steps are out of order
  6    refused by a precondition, a confirmation answered no, or the database is another plan's
  7    a step failed, or the connection to the server was lost: rerun to resume
  130  stopped by Ctrl-C or SIGTERM`;

// What the code reads from the environment (src/config/connection.ts, src/cli/output.ts,
// src/cli/shell.ts, the report writers): keep in step with it.
const ENVIRONMENT = `Environment:
  DATABASE_URL         the database, when --database-url is not given
  PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGSSLROOTCERT, PGOPTIONS,
  PGTARGETSESSIONATTRS
                       libpq's connection variables, filling what the URL leaves out (PGHOST may
                       be a socket directory or a host list; PGPASSWORD keeps the password out
                       of the command line and 'ps')
  PGSERVICE, PGSERVICEFILE, PGSYSCONFDIR
                       a service of the connection service file, as libpq reads it
  PGPASSFILE           the password file (default ~/.pgpass), as libpq reads it
  NO_COLOR             non-empty: no colour (like --no-color); FORCE_COLOR: colour without a terminal
  CORTEX_GOVERNOR      off: batched work runs at the fixed pace, as with --no-governor (flags and config win)
  CORTEX_DEBUG         set: print the stack trace of an unexpected error
  GITHUB_STEP_SUMMARY  set (GitHub Actions): reports are appended to it as Markdown`;

/**
 * How a default is shown, the same way everywhere: `(default: 10)`, unquoted. Commander quotes
 * string defaults and shows `false` for every flag; command files write theirs as text, so the
 * help had both `(default 10)` and `(default: "./reports")`.
 */
export function describeOption(option: Option): string {
  const shown = option.defaultValue !== undefined && typeof option.defaultValue !== 'boolean' && !option.negate;
  if (!shown) return option.description;
  const value = option.defaultValueDescription ?? String(option.defaultValue);
  return `${option.description} (default: ${value})`;
}

/** Every command's help shows the global options, the exit codes and the environment variables read. */
export function configureHelp(program: Command): Command {
  return program
    .configureHelp({ showGlobalOptions: true, optionDescription: describeOption })
    .addHelpText('afterAll', `\n${EXIT_CODES}\n\n${ENVIRONMENT}\n`);
}
