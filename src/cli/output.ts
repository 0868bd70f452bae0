import { Chalk, type ChalkInstance } from 'chalk';
import { scrub, scrubDeep } from '../config/secrets.js';

/** The one JSON document printed on stdout under `--json`. */
export interface Envelope<T = unknown> {
  ok: boolean;
  command: string;
  data: T | null;
  error: { code: string; message: string } | null;
}

/** What a command hands back to the CLI shell for printing. */
export interface CommandResult<T = unknown> {
  data: T;
  /** Human rendering for stdout when not in JSON mode. */
  text?: string;
  /** Non-zero when the command ran but its checks failed or differences were found. */
  exitCode?: number;
  /** Envelope error for a non-zero exit that is not an exception (e.g. failed checks). */
  error?: { code: string; message: string };
}

/** Colour and logging rules: logs go to stderr; stdout is reserved for results. */
export interface Output {
  json: boolean;
  color: ChalkInstance;
  isTty: boolean;
  /** Progress and information, always on stderr. */
  info(message: string): void;
  /** Warnings, always on stderr. */
  warn(message: string): void;
  /** The one line of an error, on stderr. */
  error(message: string): void;
}

/** Whether colour is allowed: `--no-color` and a non-empty `NO_COLOR` turn it off (chalk ignores NO_COLOR). */
export function colorEnabled(flag: boolean | undefined, env: NodeJS.ProcessEnv, isTty: boolean): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTty;
}

/** Build the output channel for one invocation. */
export function createOutput(opts: { json: boolean; color: boolean | undefined }): Output {
  const isTty = Boolean(process.stderr.isTTY);
  const enabled = colorEnabled(opts.color, process.env, isTty) && !opts.json;
  const color = new Chalk({ level: enabled ? 1 : 0 });
  return {
    json: opts.json,
    color,
    isTty,
    info: (m) => process.stderr.write(`${scrub(m)}\n`),
    warn: (m) => process.stderr.write(`${color.yellow('warning:')} ${scrub(m)}\n`),
    error: (m) => process.stderr.write(`${color.red('error:')} ${scrub(m)}\n`),
  };
}

/** Print the envelope (JSON mode) as a single line on stdout, secrets scrubbed. */
export function printEnvelope(env: Envelope): void {
  process.stdout.write(`${JSON.stringify(scrubDeep(env))}\n`);
}
