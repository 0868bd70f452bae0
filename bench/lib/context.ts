import type { BenchServer } from './server.js';

/** One metric as the results file records it. */
export interface Metric {
  value: number;
  detail: string;
}

/** Sizes and durations of a run: `--quick` shrinks all of them. */
export interface BenchSizes {
  /** Fixture scale of the small backfill, and of the database the other metrics share. */
  small: number;
  /** Fixture scale of the large backfill (40 is about 10 million legacy rows). */
  large: number;
  /** Seconds of each pgbench measurement. */
  seconds: number;
}

/** What every metric function gets. */
export interface BenchContext {
  server: BenchServer;
  sizes: BenchSizes;
  log(message: string): void;
}

/** Round for the results file: ratios to 3 decimals. */
export const ratio = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;

/** The middle value of a sample (the upper middle for an even count). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Seconds with one decimal, for details. */
export const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
