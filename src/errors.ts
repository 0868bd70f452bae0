/** Exit codes of the CLI contract (DESIGN §5). */
export const ExitCode = {
  ok: 0,
  checksFailed: 1,
  usage: 2,
  connection: 3,
  locked: 4,
  drift: 5,
  refused: 6,
  stepFailed: 7,
  /** Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

/** One of the documented exit codes. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable machine-readable error codes used in the JSON envelope. */
export type ErrorCode =
  | 'CHECKS_FAILED'
  | 'USAGE'
  | 'CONFIG'
  | 'CONNECTION'
  | 'LOCKED'
  | 'DRIFT'
  | 'REFUSED'
  | 'WRONG_PLAN'
  | 'STEP_FAILED'
  | 'CONNECTION_LOST'
  | 'NEEDS_CONFIRMATION'
  | 'INTERRUPTED'
  | 'NOT_IMPLEMENTED';

const exitFor: Record<ErrorCode, ExitCodeValue> = {
  CHECKS_FAILED: ExitCode.checksFailed,
  USAGE: ExitCode.usage,
  CONFIG: ExitCode.usage,
  CONNECTION: ExitCode.connection,
  LOCKED: ExitCode.locked,
  DRIFT: ExitCode.drift,
  REFUSED: ExitCode.refused,
  // The database is another plan's: refused like any precondition, with its own code for scripts.
  WRONG_PLAN: ExitCode.refused,
  STEP_FAILED: ExitCode.stepFailed,
  // The run stopped part-way like a failed step, and a rerun resumes like after one.
  CONNECTION_LOST: ExitCode.stepFailed,
  // What was missing is the caller's --yes, as with any other missing option.
  NEEDS_CONFIRMATION: ExitCode.usage,
  INTERRUPTED: ExitCode.interrupted,
  NOT_IMPLEMENTED: ExitCode.usage,
};

/** An expected failure: printed as one line, never with a stack trace. */
export class CortexError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCodeValue;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'CortexError';
    this.code = code;
    this.exitCode = exitFor[code];
    this.details = details;
  }
}

/** True when `err` is an expected, already-explained failure. */
export function isCortexError(err: unknown): err is CortexError {
  return err instanceof CortexError;
}
