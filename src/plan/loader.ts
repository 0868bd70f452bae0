import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { CortexError } from '../errors.js';
import { packagePath, packageRoot } from '../paths.js';
import { type PlanManifest, PlanManifestSchema, readPlanManifest } from './manifest.js';
import { hashFiles, loadSqlStep } from './sql-step.js';
import type { Phase, Plan, Step, StepModule } from './model.js';

const PhaseManifest = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  down: z.string().min(1).optional(),
  confirm: z.string().min(1).optional(),
});

const DIR_RE = /^(\d+)-([a-z0-9-]+)$/;
const STEP_RE = /^(\d{3})-[a-z0-9-]+$/;
// A step module: TypeScript (compiled with the package) or JavaScript (run as it is: a plan outside the package).
const STEP_MODULE_RE = /^(.+)\.(ts|mjs)$/;

// Under vitest the sources run as TypeScript; the built CLI imports the compiled twin in dist/.
const runningFromSource = import.meta.url.endsWith('.ts');

/** The URL to import a plan's TypeScript module from (a step, a fixture): its compiled twin outside vitest; a .js/.mjs module as it is. */
export function stepModuleUrl(file: string): string {
  if (runningFromSource || /\.m?js$/.test(file)) return pathToFileURL(file).href;
  const rel = relative(packageRoot, file).replace(/\.ts$/, '.js');
  if (rel.startsWith('..')) {
    throw new CortexError('USAGE', `TypeScript module ${file} is outside the package and cannot run compiled: write it as an .mjs module`);
  }
  return pathToFileURL(packagePath('dist', rel)).href;
}

async function loadTsStep(file: string, phase: number, slug: string, name: string, ordinal: number): Promise<Omit<Step, 'plan'>> {
  const mod = (await import(stepModuleUrl(file))) as Partial<StepModule>;
  for (const k of ['up', 'down', 'verify'] as const) {
    if (typeof mod[k] !== 'function') throw new CortexError('USAGE', `step ${slug}/${name} does not export ${k}()`);
  }
  const m = mod as StepModule;
  return {
    id: `${slug}/${name}`,
    name,
    phase,
    ordinal,
    transactional: m.transactional !== false,
    checksum: hashFiles(join(file, '..'), [basename(file)]),
    up: m.up,
    down: m.down,
    verify: m.verify,
    ...(m.check ? { check: m.check } : {}),
    describe: m.describe ?? (() => ({ statements: [`-- ${name}: TypeScript step`], locks: [] })),
  };
}

function subdirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory()).sort();
}

// A missing or empty plan directory must not pass for a plan with nothing left to do.
function assertPlanDir(root: string): void {
  if (!existsSync(root)) throw new CortexError('USAGE', `plan directory ${root} does not exist`);
  if (!statSync(root).isDirectory()) throw new CortexError('USAGE', `plan directory ${root} is not a directory`);
  const phases = join(root, 'phases');
  if (!existsSync(phases) || !subdirs(phases).some((d) => DIR_RE.test(d))) {
    throw new CortexError('USAGE', `plan directory ${root} has no phases (expected phases/<N>-<name>/phase.json)`);
  }
}

/**
 * Load a plan rooted at `root`: `plan.json` (optional) is its manifest; `phases/<N>-<slug>/phase.json`
 * declares each phase; its steps are the folders `migrations/<N>-<slug>/<NNN-verb-noun>/` and the
 * modules `phases/<N>-<slug>/<NNN-verb-noun>.ts`, ordered by NNN. Without a manifest the plan is
 * named `fallbackName`, has no fixture and no data schemas.
 */
export async function loadPlan(root: string, fallbackName = 'custom'): Promise<Plan> {
  assertPlanDir(root);
  const manifest: PlanManifest = readPlanManifest(root) ?? PlanManifestSchema.parse({ name: fallbackName });
  const planName = manifest.name;
  const phases: Phase[] = [];
  for (const dir of subdirs(join(root, 'phases'))) {
    const m = DIR_RE.exec(dir);
    if (!m) continue;
    const number = Number(m[1]);
    const manifestPath = join(root, 'phases', dir, 'phase.json');
    if (!existsSync(manifestPath)) throw new CortexError('USAGE', `phase ${dir} has no phase.json`);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
    } catch (err) {
      throw new CortexError('USAGE', `${manifestPath}: not valid JSON (${(err as Error).message})`);
    }
    const parsed = PhaseManifest.safeParse(raw);
    if (!parsed.success) throw new CortexError('USAGE', `${manifestPath}: ${parsed.error.issues[0]?.message}`);
    const steps: Step[] = [];
    for (const s of subdirs(join(root, 'migrations', dir))) {
      const sm = STEP_RE.exec(s);
      if (!sm) throw new CortexError('USAGE', `step folder ${dir}/${s} is not named NNN-verb-noun`);
      steps.push({ ...loadSqlStep(join(root, 'migrations', dir, s), number, dir, s, Number(sm[1])), plan: planName });
    }
    for (const f of readdirSync(join(root, 'phases', dir)).sort()) {
      const m = STEP_MODULE_RE.exec(f);
      if (!m || f.endsWith('.d.ts')) continue;
      const sm = STEP_RE.exec(m[1]!);
      if (!sm) continue; // helpers shared by steps
      steps.push({ ...(await loadTsStep(join(root, 'phases', dir, f), number, dir, m[1]!, Number(sm[1]))), plan: planName });
    }
    steps.sort((a, b) => a.ordinal - b.ordinal);
    for (let i = 1; i < steps.length; i++) {
      if (steps[i]!.ordinal === steps[i - 1]!.ordinal) {
        throw new CortexError('USAGE', `phase ${dir}: steps ${steps[i - 1]!.name} and ${steps[i]!.name} share a number`);
      }
    }
    const manifest = parsed.data;
    phases.push({
      number,
      slug: dir,
      name: manifest.name,
      description: manifest.description,
      ...(manifest.down ? { down: manifest.down } : {}),
      ...(manifest.confirm ? { confirm: manifest.confirm } : {}),
      steps,
    });
  }
  phases.sort((a, b) => a.number - b.number);
  phases.forEach((p, i) => {
    if (p.number !== i + 1) throw new CortexError('USAGE', `phases must be numbered 1..N without gaps (found ${p.slug})`);
  });
  return { name: manifest.name, root, manifest, phases };
}

/** The built-in Cortex plan shipped with the package. */
export function loadCortexPlan(): Promise<Plan> {
  return loadPlan(packageRoot);
}
