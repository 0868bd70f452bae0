import { setTimeout as sleep } from 'node:timers/promises';

/** Paces a loop to at most `maxRowsPerSecond` (if set) plus a fixed pause between batches. */
export class Throttle {
  private readonly started = Date.now();
  private rows = 0;

  constructor(
    private readonly maxRowsPerSecond: number | undefined,
    private readonly batchDelayMs: number,
    /** Cuts a pause short (a slow throttle must not keep a stopped run waiting). */
    private readonly signal?: AbortSignal,
  ) {}

  /** Account for a finished batch and sleep as long as the limits require (or until `signal`). */
  async after(batchRows: number): Promise<number> {
    this.rows += batchRows;
    let wait = this.batchDelayMs;
    if (this.maxRowsPerSecond && this.maxRowsPerSecond > 0) {
      const due = (this.rows / this.maxRowsPerSecond) * 1000;
      wait = Math.max(wait, due - (Date.now() - this.started));
    }
    if (wait > 0 && !this.signal?.aborted) await sleep(wait, undefined, { signal: this.signal }).catch(() => {});
    return Math.max(0, wait);
  }
}
