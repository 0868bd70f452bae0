-- Single-row legacy writes as the application makes them: rename a contact, move a task, add a task.
\set c random(1, :contacts)
\set t random(1, :tasks)
begin;
update crm.contacts set full_name = 'Bench contact ' || :c, updated_at = now() where contact_id = :c;
update crm.tasks set status = 'in_progress', updated_at = now() where task_id = :t;
insert into crm.tasks (title, status, assigned_contact_id) values ('Bench task', 'pending', :c);
end;
