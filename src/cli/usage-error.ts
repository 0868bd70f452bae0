import type { Command, CommanderError } from 'commander';
import { printEnvelope } from './output.js';

/** Whether `--json` was asked for: read from argv, since a parse error stops commander before it sets options. */
export function wantsJson(argv: string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/** The command the arguments name (`fixtures load`), or `cortex` when they name none. */
export function commandNamed(program: Command, argv: string[]): string {
  const names: string[] = [];
  let cmd = program;
  for (const arg of argv.slice(2)) {
    if (arg === '--') break;
    const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) continue;
    names.push(sub.name());
    cmd = sub;
  }
  return names.length > 0 ? names.join(' ') : 'cortex';
}

/** Commander's message without its `error: ` prefix; help shown for a missing command says what was missing. */
export function usageMessage(err: CommanderError): string {
  if (err.code === 'commander.help' || err.code === 'commander.helpDisplayed') return 'no command given (see cortex --help)';
  return err.message.replace(/^error:\s*/, '');
}

/** Under `--json`, a parse error (unknown command or option, missing argument) is an envelope with code USAGE. */
export function printUsageEnvelope(program: Command, argv: string[], err: CommanderError): void {
  printEnvelope({ ok: false, command: commandNamed(program, argv), data: null, error: { code: 'USAGE', message: usageMessage(err) } });
}
