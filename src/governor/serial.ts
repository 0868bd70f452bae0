// One connection, several users (the probe timer, the checks before each batch, workers): a
// transaction's statements must not interleave with another user's, so each use waits its turn.

/** Runs tasks one at a time, in the order they were given. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  /** Run `task` once every task given before it has settled; its result or error is the caller's. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => {});
    return next;
  }
}
