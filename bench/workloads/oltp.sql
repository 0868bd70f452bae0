-- A steady OLTP mix on the legacy tables, every statement by primary key (as an application's hot
-- path is): read a contact and a task, update the task, add a note for the contact.
\set c random(1, :contacts)
\set t random(1, :tasks)
begin;
select full_name, profession from crm.contacts where contact_id = :c;
select task_id, title, status from crm.tasks where task_id = :t;
update crm.tasks set status = 'done', completed_at = now(), updated_at = now() where task_id = :t;
insert into crm.notes (contact_id, content) values (:c, 'Bench note');
end;
