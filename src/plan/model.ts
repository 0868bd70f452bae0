import type { Progress } from '../backfill/progress.js';
import type { ConnectionTarget } from '../config/connection.js';
import type { Sql } from '../db/client.js';
import type { PlanManifest } from './manifest.js';
import type { StepOptions } from './step-options.js';

/** Outcome of one named check. Warnings do not fail a phase. */
export type CheckStatus = 'passed' | 'failed' | 'warning';

/** One named verification result, as it appears in reports. */
export interface Check {
  id: string;
  status: CheckStatus;
  expected?: unknown;
  actual?: unknown;
  details?: string;
}

/** A lock a statement takes, for `plan` output. */
export interface LockInfo {
  mode: string;
  target: string;
  statement: string;
  /** What the lock means in practice (a scan under it, a weaker way), when that matters. */
  note?: string;
  /** Procedural code (CALL, DO): `target` names the code, not a table; its locks are unknown. */
  procedural?: boolean;
  /** Which statement of the step takes it (0-based, into `StepDescription.statements`). */
  statementIndex?: number;
  /**
   * `target` is an index: `mode` is the lock on the index itself, `tableMode` the lock on its table
   * (absent: the table is not locked beyond ACCESS SHARE). The table is found on the database.
   */
  index?: { tableMode?: string };
  /**
   * Tables the statement locks in `mode` too without naming them, found on the database: those
   * whose foreign keys reference `target` (TRUNCATE … CASCADE: recursively), or that `target`
   * references (DROP TABLE drops its foreign keys, whose triggers live on them); `note` says why.
   */
  related?: Array<{ tables: 'referencing' | 'referencing-recursive' | 'referenced'; note: string }>;
  /** VALIDATE CONSTRAINT: the constraint, whose kind (foreign key or CHECK) the database tells. */
  constraint?: string;
}

/** What a step would do, without doing it (dry run, reports). */
export interface StepDescription {
  statements: string[];
  locks: LockInfo[];
  estimatedRows?: number;
}

/** Settings every step execution sees. */
export interface RunSettings {
  /** lock_timeout for DDL, in milliseconds (retried with backoff on 55P03). */
  lockTimeoutMs: number;
  /** statement_timeout in milliseconds; 0 disables. */
  statementTimeoutMs: number;
  /** How many times a step is retried after a lock timeout. */
  lockRetries: number;
  /** Options of the command (e.g. --batch-size) for the steps that read them. */
  options: StepOptions;
}

/** What a step gets when it runs: a connection (a transaction unless non-transactional). */
export interface StepContext {
  sql: Sql;
  settings: RunSettings;
  log(message: string): void;
  /** Progress of long work (rows done of total, rate, ETA); rendered as a bar or periodic lines. */
  progress?(p: Progress): void;
  /** The database being migrated (for tools such as pg_dump); never printed. */
  target?: ConnectionTarget;
  /**
   * Run `work` again after a lock timeout, with the run's backoff, each retry reported as the
   * step's `retry` event. Given to non-transactional steps only: inside a transaction, a failed
   * statement aborts the transaction and only the runner's whole-step retry can start it again.
   */
  lockRetry?<T>(work: (attempt: number) => Promise<T>): Promise<T>;
}

/** What `up`/`down` hand back for the ledger and the report. */
export interface StepOutcome {
  rows?: number;
  checks?: Check[];
  /** Batched work: how long the governor slowed or held it, in ms, and why (ms per reason). */
  throttled?: { ms: number; byReason: Record<string, number> };
}

/** One reversible unit of a phase: Sqitch's deploy/revert/verify triad. */
export interface Step {
  /** `<N>-<slug>/<NNN-verb-noun>`, unique in a plan. */
  id: string;
  /** `NNN-verb-noun`. */
  name: string;
  phase: number;
  /** Ordinal within the phase (the NNN prefix). */
  ordinal: number;
  /** Name of the plan the step belongs to, recorded with it in the ledger. */
  plan: string;
  /** Folder of a SQL step (absent for TypeScript steps). */
  dir?: string;
  transactional: boolean;
  /** sha256 of the files that define the step; a change after apply is drift. */
  checksum: string;
  up(ctx: StepContext): Promise<StepOutcome | void>;
  down(ctx: StepContext): Promise<StepOutcome | void>;
  verify(ctx: StepContext): Promise<Check[]>;
  /**
   * What would make this step refuse to run in `direction`, checked without changing anything:
   * run (in a transaction that is rolled back) before anything is asked or changed, and again by
   * the step itself when it runs. Throws a REFUSED CortexError (or any error) to refuse.
   */
  check?(ctx: StepContext, direction: 'up' | 'down'): Promise<void>;
  describe(direction: 'up' | 'down'): StepDescription;
}

/** A numbered phase: an ordered list of steps. */
export interface Phase {
  number: number;
  slug: string;
  name: string;
  description: string;
  /** What reverting it does, in words (phase.json `down`): shown when a rollback asks. */
  down?: string;
  /** Why applying it must be confirmed (phase.json `confirm`), e.g. what it breaks; absent: no confirmation. */
  confirm?: string;
  steps: Step[];
}

/** A plan: phases in order, and its manifest (plan.json; defaults when it has none). */
export interface Plan {
  name: string;
  root: string;
  manifest: PlanManifest;
  phases: Phase[];
}

/** The exported shape of a TypeScript step module (`phases/<N>-<slug>/<NNN-verb-noun>.ts`). */
export interface StepModule {
  transactional?: boolean;
  up(ctx: StepContext): Promise<StepOutcome | void>;
  down(ctx: StepContext): Promise<StepOutcome | void>;
  verify(ctx: StepContext): Promise<Check[]>;
  check?(ctx: StepContext, direction: 'up' | 'down'): Promise<void>;
  describe?(direction: 'up' | 'down'): StepDescription;
}

/** Find a phase by number or fail with a usage error message. */
export function phaseOf(plan: Plan, n: number): Phase | undefined {
  return plan.phases.find((p) => p.number === n);
}
