// `cortex repair`: the confirmed way forward from checksum drift besides a rollback. It shows
// each changed step with its old and new checksum, is refused without confirmation, records the
// acceptance as an event (old and new checksum, who, when), runs nothing, takes the run lock, and
// afterwards migrate and status no longer report drift for the step.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { useFreshDatabase } from '../helpers/db.js';
import { copySamplePlan } from '../helpers/plan.js';

const db = useFreshDatabase('repair');
const plan = copySamplePlan();
const STEP = '1-alpha/002-create-table';
const cli = (args: string[]) => runCli(['--database-url', db().url, '--plan', plan, '--reports-dir', join(plan, 'reports'), ...args], { timeoutMs: 60_000 });

async function applied(): Promise<string> {
  const [r] = await db().sql<{ checksum: string }[]>`select checksum from cortex_migration.steps where step_id = ${STEP}`;
  return r!.checksum;
}

async function repairEvents() {
  return db().sql<{ step_id: string; checksum: string; details: Record<string, string>; os_user: string; host: string; db_user: string; plan: string }[]>`
    select step_id, checksum, details, os_user, host, db_user, plan from cortex_migration.events where direction = 'repair' order by id`;
}

// The plan's checksum of STEP now (its files), as status reports it.
async function fileChecksum(): Promise<string> {
  const st = JSON.parse((await cli(['--json', 'status'])).stdout);
  return st.data.phases[0].steps.find((s: { id: string }) => s.id === STEP).checksum;
}

// Run the CLI on a pseudo-terminal (util-linux `script`), answering `answer` once the prompt is up.
function onTerminal(args: string[], answer: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, packagePath('bin', 'cortex'), '--database-url', db().url, '--plan', plan, ...args]
    .map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  let answered = false;
  child.stdout.on('data', (d) => {
    output += d;
    if (!answered && output.includes('[y/N]')) {
      answered = true;
      child.stdin.write(`${answer}\n`);
    }
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

let oldChecksum = '';
let newChecksum = '';

describe('cortex repair', () => {
  beforeAll(async () => {
    expect((await cli(['migrate', 'phase', '1'])).code).toBe(0);
    oldChecksum = await applied();
  });

  it('with nothing changed: exit 0 saying so, and records nothing', async () => {
    const r = await cli(['repair']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('nothing to repair: no applied step has changed files\n');
    expect(await repairEvents()).toEqual([]);
  });

  it('a changed applied file is drift (exit 5) whose message names repair as a way forward', async () => {
    // Observable if it were run: repair must accept the file without running it.
    appendFileSync(join(plan, 'migrations', '1-alpha', '002-create-table', 'up.sql'), '\ncreate table sample.marker (id int);\n');
    newChecksum = await fileChecksum();
    expect(newChecksum).not.toBe(oldChecksum);
    const r = await cli(['migrate', 'phase', '2']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`drift: files of applied step ${STEP} changed since it was applied; if the change is safe`);
    expect(r.stderr).toContain('`cortex repair` accepts it (it runs nothing), otherwise roll the phase back');
  });

  it('without a terminal and without --yes: exit 2 NEEDS_CONFIRMATION, showing old and new checksum, and nothing accepted', async () => {
    const r = await cli(['--json', 'repair']);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).error).toEqual({
      code: 'NEEDS_CONFIRMATION',
      message: 'no checksum was accepted: it needs confirmation, as it records changed files as applied without running them; pass --yes (there is no terminal to ask on)',
    });
    expect(r.stderr).toContain(`  ${STEP}: applied with ${oldChecksum}, files now ${newChecksum}`);
    expect(await applied()).toBe(oldChecksum);
    expect(await repairEvents()).toEqual([]);
  });

  it('on a terminal, answering no keeps the old checksum (exit 6)', async () => {
    const r = await onTerminal(['repair'], 'n');
    expect(r.code, r.output).toBe(6);
    expect(r.output).toContain(`${STEP}: applied with ${oldChecksum}, files now ${newChecksum}`);
    expect(r.output).toContain('Nothing is run: the database keeps what the old files did.');
    expect(r.output).toContain('no checksum was accepted: cancelled at the prompt');
    expect(await applied()).toBe(oldChecksum);
    expect(await repairEvents()).toEqual([]);
  }, 30_000);

  it('--step of a step the plan does not have is a usage error; of an unchanged step, nothing to repair', async () => {
    const bad = await cli(['repair', '--step', '1-alpha/999-nope', '--yes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('plan custom has no step 1-alpha/999-nope');
    const same = await cli(['repair', '--step', '1-alpha/001-create-schema', '--yes']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toBe('nothing to repair: the files of 1-alpha/001-create-schema are as they were when it was applied\n');
    expect(await applied()).toBe(oldChecksum);
  });

  it('waits for the run lock like any writing command (exit 4 while another run holds it)', async () => {
    const holder = postgres(db().url, { max: 1, onnotice: () => {} });
    const reserved = await holder.reserve();
    try {
      await reserved`select pg_advisory_lock(${0x636f7274})`;
      const r = await cli(['repair', '--yes', '--lock-timeout', '0']);
      expect(r.code, r.stderr).toBe(4);
      expect(await applied()).toBe(oldChecksum);
    } finally {
      await reserved`select pg_advisory_unlock(${0x636f7274})`;
      reserved.release();
      await holder.end();
    }
  });

  it('with --yes: accepts the new checksum, records old and new with who, runs nothing; then no drift', async () => {
    const r = await cli(['--json', 'repair', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const data = JSON.parse(r.stdout).data;
    expect(data.accepted).toEqual([{ step: STEP, phase: 1, oldChecksum, newChecksum }]);
    expect(await applied()).toBe(newChecksum);
    expect(await repairEvents()).toEqual([{
      step_id: STEP, checksum: newChecksum, details: { old_checksum: oldChecksum, new_checksum: newChecksum },
      os_user: userInfo().username, host: hostname(), db_user: 'postgres', plan: 'custom',
    }]);
    // Accepted, not run: the table the edited file would create does not exist.
    const [m] = await db().sql<{ ok: boolean }[]>`select to_regclass('sample.marker') is null as ok`;
    expect(m!.ok).toBe(true);

    const st = JSON.parse((await cli(['--json', 'status'])).stdout).data;
    expect(st.drift).toEqual([]);
    expect(st.phases[0].state).toBe('applied');
    const up = await cli(['migrate', 'phase', '2']);
    expect(up.code, up.stderr).toBe(0);
    const log = await cli(['log', '--step', STEP]);
    expect(log.stdout).toContain(`checksum ${oldChecksum} → ${newChecksum} (accepted; the step was not run)`);
    const again = await cli(['repair']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('nothing to repair: no applied step has changed files\n');
  });

  it('on a terminal, answering yes accepts (exit 0)', async () => {
    appendFileSync(join(plan, 'migrations', '1-alpha', '002-create-table', 'up.sql'), '\n-- a comment only\n');
    const r = await onTerminal(['repair'], 'y');
    expect(r.code, r.output).toBe(0);
    expect(await applied()).toBe(await fileChecksum());
    expect((await repairEvents()).length).toBe(2);
  }, 30_000);
});
