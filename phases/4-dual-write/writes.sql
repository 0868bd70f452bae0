-- What an application that has moved a feature to the target writes while phase 4 is applied
-- (verify-rollback runs it after the phase's checks; every rollback must keep its effects in the
-- legacy tables): a task created, one renamed, one deleted, on the target.
insert into cortex_projects.tasks (title, status, priority) values ('Created on the target', 'in_progress', 'high');
update cortex_projects.tasks set title = 'Renamed on the target', status = 'done'
 where id = (select t.id from cortex_projects.tasks t where t.title <> 'Created on the target' order by t.id limit 1);
delete from cortex_projects.tasks
 where id = (select t.id from cortex_projects.tasks t where t.title not in ('Created on the target', 'Renamed on the target') order by t.id limit 1);
