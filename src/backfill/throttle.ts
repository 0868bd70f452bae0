/** Paces a loop to at most `maxRowsPerSecond` (if set) plus a fixed pause between batches. */
export class Throttle {
  private readonly started = Date.now();
  private rows = 0;

  constructor(
    private readonly maxRowsPerSecond: number | undefined,
    private readonly batchDelayMs: number,
  ) {}

  /** Account for a finished batch and sleep as long as the limits require. */
  async after(batchRows: number): Promise<number> {
    this.rows += batchRows;
    let wait = this.batchDelayMs;
    if (this.maxRowsPerSecond && this.maxRowsPerSecond > 0) {
      const due = (this.rows / this.maxRowsPerSecond) * 1000;
      wait = Math.max(wait, due - (Date.now() - this.started));
    }
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    return Math.max(0, wait);
  }
}
