-- Single-row target writes as an application that moved a feature to the target makes them: move a
-- task, add a task (bench_reverse.task_ids numbers the target tasks for pgbench's random keys).
\set t random(1, :tasks)
begin;
update cortex_projects.tasks set status = 'in_progress', updated_at = now() where id = (select id from bench_reverse.task_ids where n = :t);
insert into cortex_projects.tasks (title, status) values ('Bench target task', 'todo');
end;
