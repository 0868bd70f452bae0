// Making a governor: with a connection of its own when the connection target is known (a
// command's step), else on the loop's connection between batches (a loop run by a caller that
// has only a connection: holds, sizing and caps, but no latency probes).
import type { ConnectionTarget } from '../config/connection.js';
import { applicationName, openDatabase, type Sql } from '../db/client.js';
import type { StepOptions } from '../plan/step-options.js';
import { BatchGovernor, type Governor } from './governor.js';
import { governorOptions } from './options.js';

/** A governor for the batch loops of one step (or process); close it when they are done. */
export async function createGovernor(options: StepOptions, where: { target?: ConnectionTarget; loop?: Sql }): Promise<Governor> {
  const o = governorOptions(options);
  // Its own connection, so the holds are checked (and the probes run) beside the batches, never
  // inside one of their transactions.
  const own = where.target ? await openDatabase(where.target, { max: 1, applicationName: applicationName('governor') }) : null;
  return new BatchGovernor(o, { own, ...(where.loop ? { loop: where.loop } : {}) });
}

/** Run `work` with a governor made for it, closed after it, unless `given` is one to share. */
export async function withGovernor<T>(given: Governor | undefined, make: () => Promise<Governor>, work: (g: Governor) => Promise<T>): Promise<T> {
  if (given) return work(given);
  const g = await make();
  try {
    return await work(g);
  } finally {
    await g.close();
  }
}
