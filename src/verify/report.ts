import { z } from 'zod';

/** One check in a report. */
export const CheckSchema = z.strictObject({
  id: z.string(),
  status: z.enum(['passed', 'failed', 'warning']),
  expected: z.unknown().optional(),
  actual: z.unknown().optional(),
  details: z.string().optional(),
});

/** One step in a report; `interrupted`: paused by Ctrl-C or SIGTERM, resumed by running the phase again. */
export const StepReportSchema = z.strictObject({
  id: z.string(),
  status: z.enum(['passed', 'failed', 'interrupted', 'skipped']),
  durationMs: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative().optional(),
  /** Batched work: how long the batch governor slowed or held the step (ms), and why (ms per reason). */
  throttled: z.strictObject({ ms: z.number().int().nonnegative(), byReason: z.record(z.string(), z.number().int().nonnegative()) }).optional(),
  error: z.string().optional(),
  checks: z.array(CheckSchema),
});

/** The report written after every phase up, down and verify (DESIGN §5). */
export const ReportSchema = z.strictObject({
  tool: z.literal('cortex'),
  version: z.string(),
  /** The plan that ran (plan.json `name`). */
  plan: z.strictObject({ name: z.string() }),
  database: z.strictObject({ host: z.string(), name: z.string(), serverVersion: z.string() }),
  phase: z.strictObject({ number: z.number().int().positive(), name: z.string() }),
  direction: z.enum(['up', 'down', 'verify']),
  /** `interrupted`: a step was paused by a signal (nothing failed; the phase is not done). */
  status: z.enum(['passed', 'failed', 'interrupted']),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  durationMs: z.number().int().nonnegative(),
  steps: z.array(StepReportSchema),
  summary: z.strictObject({
    passed: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    warnings: z.number().int().nonnegative(),
  }),
});

/** A phase report. */
export type Report = z.infer<typeof ReportSchema>;
/** A step entry of a report. */
export type StepReport = z.infer<typeof StepReportSchema>;

/** JSON Schema of the report, for consumers outside TypeScript. */
export function reportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ReportSchema) as Record<string, unknown>;
}

/**
 * Count checks and derive the report status: any failed check or step fails the report; else a
 * step paused by a signal makes it interrupted.
 */
export function summarize(steps: StepReport[]): { status: Report['status']; summary: Report['summary'] } {
  const summary = { passed: 0, failed: 0, warnings: 0 };
  for (const s of steps) {
    for (const c of s.checks) {
      if (c.status === 'passed') summary.passed++;
      else if (c.status === 'failed') summary.failed++;
      else summary.warnings++;
    }
  }
  const failed = summary.failed > 0 || steps.some((s) => s.status === 'failed');
  const interrupted = steps.some((s) => s.status === 'interrupted');
  return { status: failed ? 'failed' : interrupted ? 'interrupted' : 'passed', summary };
}
