import { createClient } from '@pgkit/client';
import { run } from '@pgkit/migra';

/** What `@pgkit/migra` (the reference we compare `cortex diff` with) says turns `from` into `to`. */
export interface MigraResult {
  statements: string[];
  ms: number;
}

/** Run `@pgkit/migra` between two databases, optionally limited to one schema; its pools are closed after. */
export async function migra(fromUrl: string, toUrl: string, schema?: string): Promise<MigraResult> {
  // pg-promise warns when a second client is initialised in one process; harmless here.
  const opts = { pgpOptions: { initialize: { noWarnings: true } } };
  const from = createClient(fromUrl, opts);
  const to = createClient(toUrl, opts);
  try {
    const t0 = performance.now();
    const m = await run(from as never, to as never, { unsafe: true, ...(schema ? { schema } : {}) });
    const statements = [...(m.statements ?? [])].filter((s) => !/^set check_function_bodies/i.test(s.trim()));
    return { statements, ms: performance.now() - t0 };
  } finally {
    await Promise.all([from.end(), to.end()]);
  }
}
