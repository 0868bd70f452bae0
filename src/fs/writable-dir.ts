// Directories cortex writes into (reports, backups) are checked before a run changes anything:
// a run must never apply a step and then fail to write what it promised, nor hold the run lock
// while a file system does not answer.
import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CortexError } from '../errors.js';

/** How long checking a directory may take (a hung network mount must not hold a run). */
const DIR_CHECK_SECONDS = 10;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Create `dir` and its missing parents. Node's recursive mkdir retries for ever where mkdir keeps
 * failing with ENOENT (under /proc, for one): here each missing level is made once, and its
 * failure is final.
 */
export async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; !(await exists(d)); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    await mkdir(d).catch((err: { code?: string }) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

/**
 * Make sure files can be written into `dir`: create it if missing, check that it is a directory,
 * write and remove a probe file, all within DIR_CHECK_SECONDS. A one-line usage error (exit 2)
 * names the directory (`what`, e.g. "reports directory") and the reason. A value that looks like
 * a database URL is refused before anything is created (it would put its password in a path).
 */
export async function prepareWritableDir(dir: string, what: string): Promise<string> {
  if (dir.trim() === '') throw new CortexError('USAGE', `${what} is empty`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dir)) throw new CortexError('USAGE', `${what} looks like a URL, not a directory: ${dir}`);
  const abs = resolve(dir);
  const check = async () => {
    try {
      await makeDirs(abs);
    } catch (err) {
      throw new CortexError('USAGE', `${what} ${abs} cannot be created: ${firstLine(err)}`);
    }
    if (!(await stat(abs)).isDirectory()) throw new CortexError('USAGE', `${what} ${abs} is not a directory`);
    const probe = join(abs, `.cortex-probe-${process.pid}`);
    try {
      await writeFile(probe, '');
      await unlink(probe);
    } catch (err) {
      throw new CortexError('USAGE', `${what} ${abs} is not writable: ${firstLine(err)}`);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CortexError('USAGE', `${what} ${abs}: the file system did not answer within ${DIR_CHECK_SECONDS} s`)), DIR_CHECK_SECONDS * 1000);
  });
  const checked = check();
  // When the deadline wins, the check's own later failure must not go unobserved.
  checked.catch(() => {});
  try {
    await Promise.race([checked, late]);
  } finally {
    clearTimeout(timer);
  }
  return abs;
}
