import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('usage errors under --json', () => {
  it.each([
    [['bogus', '--json'], 'cortex', "unknown command 'bogus'"],
    [['--json', 'status', '--bogus'], 'status', "unknown option '--bogus'"],
    [['fixtures', 'load', '--nope', '--json'], 'fixtures load', "unknown option '--nope'"],
    [['plan', '--json'], 'plan', "missing required argument 'target'"],
  ])('cortex %j prints one envelope with code USAGE and exits 2', async (args, command, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, command, data: null, error: { code: 'USAGE', message } });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('without --json, stdout stays empty and the error is one line on stderr', async () => {
    const r = await runCli(['bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("error: unknown command 'bogus'\n");
  });

  it('--json after -- is an argument, not the option', async () => {
    const r = await runCli(['bogus', '--', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});
