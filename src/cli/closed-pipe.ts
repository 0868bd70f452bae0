/**
 * A reader that goes away (`cortex snapshot | head`) makes the next write to stdout fail with
 * EPIPE, which Node raises as an uncaught error: a stack trace and exit 1. Commands write stdout
 * only once they are done and have closed their connections and released the run lock, so the
 * output nobody reads is dropped and the command ends with its own code. A closed stderr (`2>&1 |
 * head` during a migration) is ignored the same way, so the run goes on to its end and releases
 * what it holds instead of dying mid-step.
 */
export function quietOnClosedPipes(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') return;
      throw err;
    });
  }
}
