-- A steady OLTP mix on the legacy tables: reads of a contact and its tasks, a task update, a new note.
\set c random(1, :contacts)
\set t random(1, :tasks)
begin;
select full_name, profession from crm.contacts where contact_id = :c;
select task_id, title, status from crm.tasks where assigned_contact_id = :c order by task_id limit 10;
update crm.tasks set status = 'done', completed_at = now(), updated_at = now() where task_id = :t;
insert into crm.notes (contact_id, content) values (:c, 'Bench note');
end;
