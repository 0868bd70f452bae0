import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'fixtures'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cortex package root not found above ${start}`);
    dir = parent;
  }
}

/** Root of the cortex package (works from `src/` under vitest and from `dist/src/` when built). */
export const packageRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

/** Absolute path of a file shipped with the package (SQL, fixtures, plans). */
export function packagePath(...parts: string[]): string {
  return resolve(packageRoot, ...parts);
}
