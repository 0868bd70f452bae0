import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one pgbench run measured. */
export interface PgbenchRun {
  tps: number;
  transactions: number;
  failed: number;
  abortedClients: number;
  latencyMs: { p50: number; p99: number };
  /** Every transaction's latency, sorted (for pooling several runs). */
  latenciesMs: number[];
  /** Every transaction as [end time in epoch ms, latency in ms], in log order. */
  timed: [number, number][];
}

/** A pgbench workload: script text, clients, and either a duration or a fixed transaction count. */
export interface PgbenchOptions {
  script: string;
  clients: number;
  seconds: number;
  /** Target rate in transactions per second (pgbench -R), for latency under a steady load. */
  rate?: number;
  vars?: Record<string, number>;
}

/** The p-th percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Run pgbench (from PATH) against `url`; the password goes through PGPASSWORD, never argv. */
export async function pgbench(url: string, o: PgbenchOptions): Promise<PgbenchRun> {
  const dir = await mkdtemp(join(tmpdir(), 'cortex-pgbench-'));
  try {
    const u = new URL(url);
    const password = decodeURIComponent(u.password);
    u.password = '';
    const scriptFile = join(dir, 'workload.sql');
    await writeFile(scriptFile, o.script);
    const args = ['-n', '-c', String(o.clients), '-j', String(Math.min(o.clients, 2)), '-T', String(o.seconds), '-f', scriptFile, '-l', '--log-prefix', join(dir, 'log')];
    if (o.rate) args.push('-R', String(o.rate));
    for (const [k, v] of Object.entries(o.vars ?? {})) args.push('-D', `${k}=${v}`);
    args.push(u.toString());
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
      execFile('pgbench', args, { env: { ...process.env, PGPASSWORD: password }, maxBuffer: 64 * 1024 * 1024 }, (err, out, errOut) =>
        resolve({ stdout: String(out), stderr: String(errOut), code: err ? Number((err as { code?: number }).code ?? 1) : 0 }),
      );
    });
    const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? 'NaN');
    const abortedClients = (stderr.match(/aborted in command/g) ?? []).length;
    if (code !== 0 && abortedClients === 0) throw new Error(`pgbench exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' | ')}`);
    // Log lines: client, transaction, latency µs, script, end time s, end time µs.
    const latencies: number[] = [];
    const timed: [number, number][] = [];
    for (const f of await readdir(dir)) {
      if (!f.startsWith('log')) continue;
      for (const line of (await readFile(join(dir, f), 'utf8')).split('\n')) {
        const p = line.split(' ');
        const us = Number(p[2]);
        if (!line || !Number.isFinite(us)) continue;
        latencies.push(us / 1000);
        timed.push([Number(p[4]) * 1000 + Number(p[5]) / 1000, us / 1000]);
      }
    }
    latencies.sort((a, b) => a - b);
    const failedTx = num(/number of failed transactions: (\d+)/);
    return {
      tps: num(/tps = ([\d.]+) \(without initial connection time\)/),
      transactions: num(/number of transactions actually processed: (\d+)/),
      failed: (Number.isFinite(failedTx) ? failedTx : 0) + abortedClients,
      abortedClients,
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      latenciesMs: latencies,
      timed,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
