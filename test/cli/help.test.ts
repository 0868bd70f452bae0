import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { runCli } from '../helpers/cli.js';

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

describe('cortex --help', () => {
  it('a subcommand lists the global options, the exit codes and the environment variables', async () => {
    const r = await runCli(['migrate', '--help']);
    expect(r.code).toBe(0);
    for (const s of ['--database-url <url>', '--json', '-y, --yes', '--plan <dir>', '--reports-dir <dir>']) expect(r.stdout).toContain(s);
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*\n {2}130 {2}stopped by Ctrl-C/);
    for (const v of ['DATABASE_URL', 'PGPASSWORD', 'NO_COLOR', 'CORTEX_DEBUG', 'GITHUB_STEP_SUMMARY']) expect(r.stdout).toContain(v);
  });

  it('every command, nested ones too, shows the global options and writes defaults one way', () => {
    for (const cmd of allCommands(buildProgram())) {
      const help = cmd.helpInformation();
      expect(help, cmd.name()).toContain('--database-url <url>');
      expect(help, cmd.name()).toContain('(default: ./reports)');
      // Commander's own forms (quoted strings, `false` for flags) and the old `(default 10)`.
      expect(help, cmd.name()).not.toMatch(/\(default [^:]|default: "|default: false|default: true/);
    }
  });
});
