import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { CortexError } from '../errors.js';

/** `cortex.config.json`: strict, every key optional; command-line options win over it. */
export const ConfigSchema = z.strictObject({
  /** The JSON Schema an editor validates the file against (docs/config.schema.json); not read. */
  $schema: z.string().optional(),
  plan: z.string().min(1).optional(),
  reportsDir: z.string().min(1).optional(),
  lockTimeoutSeconds: z.number().nonnegative().max(86_400).optional(),
  ddlLockTimeoutMs: z.number().int().positive().max(600_000).optional(),
  lockRetries: z.number().int().nonnegative().max(100).optional(),
  statementTimeoutMs: z.number().int().nonnegative().optional(),
  backfill: z
    .strictObject({
      batchSize: z.number().int().positive().max(1_000_000).optional(),
      batchDelayMs: z.number().int().nonnegative().optional(),
      maxRowsPerSecond: z.number().positive().optional(),
      governor: z.boolean().optional(),
      latencyBudget: z.number().gt(1).max(100).optional(),
      batchTargetMs: z.number().int().min(10).max(60_000).optional(),
      maxReplicaLagMs: z.number().nonnegative().optional(),
      throttleQuery: z.string().min(1).optional(),
      /** Phase 3: backfill workers of the `migrate` (or `backfill work`) process, each on its own connection. */
      workers: z.number().int().positive().max(64).optional(),
    })
    .optional(),
});

/** JSON Schema of the config file, for editors and consumers outside TypeScript. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema) as Record<string, unknown>;
}

/** Parsed configuration. */
export type Config = z.infer<typeof ConfigSchema>;

/** Default config file looked up in the working directory when `--config` is not given. */
export const DEFAULT_CONFIG_FILE = 'cortex.config.json';

/** Validate a parsed config object; the first problem is a usage error naming the key path. */
export function parseConfig(raw: unknown, source: string): Config {
  const r = ConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') path = [...issue.path.map(String), issue.keys[0]].filter(Boolean).join('.');
  throw new CortexError('CONFIG', `${source}: ${path || '(root)'}: ${issue.message}`);
}

/** Load `--config <file>`, or `./cortex.config.json` when present, else an empty config. */
export function loadConfig(file: string | undefined, cwd = process.cwd()): Config {
  const path = file ? resolve(cwd, file) : resolve(cwd, DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (file) throw new CortexError('CONFIG', `config file not found: ${file}`);
    return {};
  }
  if (!path.endsWith('.json')) throw new CortexError('CONFIG', `${file}: only JSON config files are supported`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CortexError('CONFIG', `${file ?? DEFAULT_CONFIG_FILE}: not valid JSON (${(err as Error).message})`);
  }
  return parseConfig(raw, file ?? DEFAULT_CONFIG_FILE);
}
