// A stand-in for the Deepiri services during plan 004: a real client on its own connection, as a
// role of its own, reading and writing only through the names the services know (public.leases,
// public.tasks, task_orchestrator.tasks, …), while `cortex migrate` moves and merges under it.
import postgres from 'postgres';
import type { Sql } from '../../src/db/client.js';

/** What the application wrote, and every transaction of it that failed. */
export interface AppRun {
  iterations: number;
  leases: number[];
  engagementTasks: string[];
  orchestratorTasks: string[];
  failures: string[];
}

/** Create a login-less role with the grants the services hold on the old names (before the plan runs). */
export async function createAppRole(sql: Sql, role: string): Promise<void> {
  await sql`create role ${sql(role)}`;
  await sql`grant usage on schema public, task_orchestrator to ${sql(role)}`;
  await sql`grant select, insert, update on public.leases, public.lease_versions, public.contracts, public.tasks, public.subtasks,
            task_orchestrator.tasks, task_orchestrator.task_versions to ${sql(role)}`;
  await sql`grant usage on sequence public.leases_id_seq, public.lease_versions_id_seq, public.subtasks_id_seq,
            task_orchestrator.task_versions_id_seq to ${sql(role)}`;
}

/** Revoke everything the role holds in this database and drop it (roles outlive databases). */
export async function dropAppRole(sql: Sql, role: string): Promise<void> {
  await sql`drop owned by ${sql(role)}`;
  await sql`drop role ${sql(role)}`;
}

/**
 * Run the application's loop on one connection as `role` until `until` settles, then `extra`
 * more rounds (so it also writes after the last phase). Each round: the language intelligence
 * service reads and writes a lease and its version, the engagement service a task and a subtask,
 * the orchestrator a task and its first version in one transaction, then updates the task.
 */
export async function runApp(url: string, role: string, userId: string, until: Promise<unknown>, extra = 5): Promise<AppRun> {
  const app = postgres(url, { max: 1, onnotice: () => {} });
  const run: AppRun = { iterations: 0, leases: [], engagementTasks: [], orchestratorTasks: [], failures: [] };
  let done = false;
  void until.finally(() => (done = true));
  const attempt = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (err) {
      run.failures.push(`${what}: ${(err as Error).message}`);
    }
  };
  try {
    await app`set role ${app(role)}`;
    for (let left = extra; left > 0; ) {
      const n = run.iterations++;
      await attempt('lease', async () => {
        const [lease] = await app<{ id: number }[]>`
          insert into public.leases (tenant_name, property_address, starts_on, monthly_rent)
          values (${`App tenant ${n}`}, '2 Loop Lane', date '2025-03-01', 1200) returning id`;
        await app`insert into public.lease_versions (lease_id, version, document) values (${lease!.id}, 1, 'signed')`;
        await app`select id, tenant_name, monthly_rent from public.leases where id = ${lease!.id}`;
        run.leases.push(lease!.id);
      });
      await attempt('engagement task', async () => {
        const [task] = await app<{ id: string }[]>`
          insert into public.tasks (user_id, title) values (${userId}, ${`App task ${n}`}) returning id`;
        await app`insert into public.subtasks (task_id, title) values (${task!.id}, 'first step')`;
        await app`select id, title, status from public.tasks where id = ${task!.id}`;
        run.engagementTasks.push(task!.id);
      });
      await attempt('orchestrator task', async () => {
        const id = await app.begin(async (tx) => {
          const [task] = await tx<{ id: string }[]>`
            insert into task_orchestrator.tasks (user_id, title, orchestration_state)
            values (${userId}, ${`Pipeline ${n}`}, 'scheduled') returning id`;
          await tx`insert into task_orchestrator.task_versions (task_id, version, snapshot) values (${task!.id}, 1, '{}')`;
          return task!.id;
        });
        await app`update task_orchestrator.tasks set orchestration_state = 'running', updated_at = now() where id = ${id}`;
        await app`select id, title, orchestration_state from task_orchestrator.tasks where id = ${id}`;
        run.orchestratorTasks.push(id);
      });
      if (done) left--;
    }
  } finally {
    await app.end({ timeout: 5 });
  }
  return run;
}
