// Ctrl-C and SIGTERM during a run. Killing the CLI outright would leave its running statement
// going on the server (PostgreSQL notices a vanished client only when it next writes to it), so
// the first signal asks the run to stop: the running statements are cancelled, loops stop at
// their next unit of work, the failed step is recorded and the run lock released. A second
// signal quits at once.
import { CortexError } from '../errors.js';

let requested: NodeJS.Signals | undefined;
const stopping = new AbortController();

/** Aborted when a signal asks the run to stop: for child processes (pg_dump) and waits. */
export const stopped: AbortSignal = stopping.signal;

/** The signal that asked this run to stop, if one did. */
export function stopSignal(): NodeJS.Signals | undefined {
  return requested;
}

/** Called between units of work (batches, chunks, tables, phases): stop here if a signal asked. */
export function throwIfStopped(): void {
  if (requested) throw new CortexError('INTERRUPTED', `interrupted by ${requested}: stopped before its next batch or table`);
}

/** What a step whose statement (or pg_dump) a signal cancelled records as its error. */
export function interruptedMessage(signal: NodeJS.Signals): string {
  return `interrupted by ${signal}: its running statement was cancelled and rolled back`;
}

/**
 * The signal that paused a step, read from the error its up recorded (`interrupted by SIGINT: …`,
 * from `throwIfStopped` or `interruptedMessage`), else undefined: a step stopped by Ctrl-C or
 * SIGTERM is paused, not failed. A kill -9 or a lost server leaves `interrupted: …` (no signal),
 * and a stopped rollback `rollback interrupted by …`: neither is a pause.
 */
export function pausedBy(error: string | null | undefined): NodeJS.Signals | undefined {
  const m = /^interrupted by (SIG[A-Z]+)\b/.exec(error ?? '');
  return m ? (m[1] as NodeJS.Signals) : undefined;
}

/** The command that resumes a paused phase. */
export function resumeCommand(phase: number): string {
  return `cortex migrate phase ${phase}`;
}

/**
 * Catch SIGINT and SIGTERM until the returned function is called: the first one calls `onStop`
 * once, a second one exits with 130 at once.
 */
export function catchStopSignals(onStop: (signal: NodeJS.Signals) => void): () => void {
  const handle = (signal: NodeJS.Signals) => {
    if (requested) process.exit(130);
    requested = signal;
    stopping.abort();
    onStop(signal);
  };
  // Named explicitly: the spinner reads Ctrl-C from a raw-mode terminal and re-raises it as
  // process.emit('SIGINT'), which passes no signal name to listeners.
  const onInt = () => handle('SIGINT');
  const onTerm = () => handle('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}
