// A plan's manifest, `<plan>/plan.json`: what the toolchain needs to know about a plan beyond its
// phases — its name, how to load its fixture, and whose data every rollback must keep.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CortexError } from '../errors.js';

/** File at a plan's root holding its manifest. */
export const PLAN_MANIFEST_FILE = 'plan.json';

const relativeFile = z
  .string()
  .min(1)
  .refine((f) => !f.startsWith('/') && !f.split(/[\\/]/).includes('..'), 'must be a path inside the plan directory');

const SqlFixture = z.strictObject({
  /** SQL files run in order, in one transaction. */
  sql: z.array(relativeFile).min(1),
  /** SQL files run after them with --dirty. */
  dirty: z.array(relativeFile).default([]),
});

const ModuleFixture = z.strictObject({
  /** A TypeScript (or JavaScript) module exporting `load(sql, options)` (see src/fixtures/plan-fixture.ts). */
  module: relativeFile,
});

/** The manifest as written. */
export const PlanManifestSchema = z.strictObject({
  /** Short name: lower-case letters, digits and dashes. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  description: z.string().default(''),
  /** How `fixtures load` fills a database for this plan; absent: the plan starts from an empty database. */
  fixture: z.union([SqlFixture, ModuleFixture]).optional(),
  /** Schemas whose data must survive every rollback (verify-rollback hashes their tables). */
  dataSchemas: z.array(z.string().min(1)).default([]),
  /** What the plan leaves out of its source document, and why. */
  omitted: z.array(z.strictObject({ object: z.string().min(1), reason: z.string().min(1) })).default([]),
});

/** A parsed plan manifest. */
export type PlanManifest = z.infer<typeof PlanManifestSchema>;

/** Read `<root>/plan.json`; undefined when the plan has none. Any error in it is a usage error naming the file. */
export function readPlanManifest(root: string): PlanManifest | undefined {
  const file = join(root, PLAN_MANIFEST_FILE);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CortexError('USAGE', `${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = PlanManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new CortexError('USAGE', `${file}${at}: ${issue.message}`);
  }
  return parsed.data;
}
