import type { Command } from 'commander';
import { type ConnectionTarget, resolveConnection } from '../config/connection.js';
import { scrub } from '../config/secrets.js';
import { serverGone } from '../db/session.js';
import { CortexError, ExitCode, isCortexError } from '../errors.js';
import { type CommandResult, createOutput, type Output, printEnvelope } from './output.js';

/** Options every command accepts (DESIGN §5). */
export interface GlobalOptions {
  databaseUrl?: string;
  config?: string;
  json: boolean;
  reportsDir: string;
  /** True when --reports-dir was given (it then wins over the config file). */
  reportsDirSet: boolean;
  plan?: string;
  color?: boolean;
  yes: boolean;
}

/** What a command handler gets: parsed globals, output channel, lazy connection target. */
export interface CommandContext {
  command: string;
  globals: GlobalOptions;
  out: Output;
  /** Resolve the connection (throws a usage error when none is configured or it is malformed). */
  target(): ConnectionTarget;
}

/** Handler of one CLI command: returns data for the envelope, throws CortexError for expected failures. */
export type Handler<O> = (ctx: CommandContext, opts: O, args: string[]) => Promise<CommandResult>;

function globalsOf(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as Record<string, unknown>;
  return {
    databaseUrl: o.databaseUrl as string | undefined,
    config: o.config as string | undefined,
    json: Boolean(o.json),
    reportsDir: (o.reportsDir as string | undefined) ?? './reports',
    reportsDirSet: cmd.getOptionValueSourceWithGlobals('reportsDir') === 'cli',
    plan: o.plan as string | undefined,
    color: o.color as boolean | undefined,
    yes: Boolean(o.yes),
  };
}

/** The line for a run whose connection to the server was lost outside a step. */
export function lostConnectionMessage(err: unknown): string {
  return `connection to the server lost (${describeUnexpected(err)}); rerun the same command to resume`;
}

/** Last-resort message for an unexpected error: one line, secrets masked. */
export function describeUnexpected(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return scrub(msg.split('\n')[0] ?? 'unknown error');
}

/**
 * Wrap a handler as a commander action: build the context, run, print the result or the error
 * (one line, no stack trace unless CORTEX_DEBUG is set) and set the documented exit code.
 */
export function action<O>(name: string, handler: Handler<O>) {
  return async (...raw: unknown[]): Promise<void> => {
    const cmd = raw[raw.length - 1] as Command;
    const opts = cmd.opts() as O;
    const args = raw.slice(0, -2).filter((a): a is string => typeof a === 'string');
    const globals = globalsOf(cmd);
    const out = createOutput({ json: globals.json, color: globals.color });
    const ctx: CommandContext = {
      command: name,
      globals,
      out,
      target: () => resolveConnection(globals.databaseUrl),
    };
    try {
      const result = await handler(ctx, opts, args);
      const code = result.exitCode ?? ExitCode.ok;
      if (globals.json) {
        printEnvelope({
          ok: code === 0,
          command: name,
          data: result.data,
          error: code === 0 ? null : (result.error ?? { code: 'CHECKS_FAILED', message: 'checks failed' }),
        });
      } else if (result.text !== undefined) {
        const text = scrub(result.text);
        process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      }
      process.exitCode = code;
    } catch (err) {
      const known = isCortexError(err);
      // A server that went away (restart, shutdown, network) mid-run is not a bug of ours.
      const lost = !known && serverGone(err);
      const code = known ? err.code : lost ? 'CONNECTION_LOST' : 'INTERNAL';
      const message = scrub(known ? err.message : lost ? lostConnectionMessage(err) : describeUnexpected(err));
      if (globals.json) {
        printEnvelope({ ok: false, command: name, data: null, error: { code, message } });
      } else {
        out.error(message);
      }
      if (!known && process.env.CORTEX_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
      process.exitCode = known ? err.exitCode : ExitCode.stepFailed;
    }
  };
}

/** Parse a positive integer option or fail with a usage error naming the option. */
export function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CortexError('USAGE', `${name} must be a non-negative integer, got "${value}"`);
  return n;
}
