import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/paths.js';

/** One CLI process as a benchmark sees it: exit code, wall time, peak resident memory. */
export interface CliRun {
  code: number | null;
  ms: number;
  peakRssMb: number;
  stdout: string;
  stderr: string;
}

// VmHWM is the process's own high-water mark, so sampling it now and then still sees the peak.
function peakRssKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Run `cortex <args>` against `url` (progress goes to stderr, kept for the failure message). */
export function runCortex(url: string, args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [packagePath('bin', 'cortex'), '--database-url', url, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, peakRssKb(child.pid!))), 100);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      peak = Math.max(peak, peakRssKb(child.pid!));
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, ms: performance.now() - t0, peakRssMb: Math.round(peak / 1024), stdout, stderr });
    });
  });
}

/** Like runCortex, but a non-zero exit is an error carrying the CLI's last words. */
export async function cortex(url: string, args: string[]): Promise<CliRun> {
  const r = await runCortex(url, args);
  if (r.code !== 0) {
    const tail = (r.stderr + r.stdout).trim().split('\n').slice(-3).join(' | ');
    throw new Error(`cortex ${args.join(' ')} exited ${r.code}: ${tail}`);
  }
  return r;
}
