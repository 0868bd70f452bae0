-- Reverse transforms of the people group (crm.contacts and their phones and e-mails, companies,
-- groups): target row → legacy row, the inverse of 003-create-transforms-crm. The view contract is
-- 001-reverse-views.sql's. Canonical legacy values (docs/two-way-sync.md) are the functions below.

-- A person's legacy full_name: the target's full_name when it has text (first and last name are
-- derived forward from it, so when the application sets them inconsistently with full_name,
-- full_name wins and they are derived again at the row's next legacy write); else the names it
-- has, first middle last one space apart (a person the application named only by parts keeps a
-- name in legacy), cut to the 255 characters the forward transform takes; else null. Trimmed: the
-- forward transform trims, so trimmed is the value it came from. Stable, as concat_ws is (so the
-- planner can inline it).
create function cortex_migration.legacy_full_name(full_name text, first_name text, middle_name text, last_name text) returns text
language sql stable parallel safe as $$
  select coalesce(nullif(btrim(full_name), ''),
                  rtrim(left(nullif(concat_ws(' ', nullif(btrim(first_name), ''), nullif(btrim(middle_name), ''), nullif(btrim(last_name), '')), ''), 255)))
$$;

-- The legacy tags of an entity: the names of the tags linked to it in entity_tags (whatever their
-- scope), each once, sorted by name (the database collation); an entity with no tags comes back as
-- null (never '[]': the forward transform reads both as no tags, and legacy rows without tags hold
-- null).
create function cortex_migration.legacy_entity_tags(p_entity_id text) returns jsonb
language sql stable parallel safe as $$
  select jsonb_agg(x.name order by x.name)
    from (select distinct t.name::text as name
            from cortex_foundation.entity_tags et join cortex_foundation.tags t on t.id = et.tag_id
           where et.entity_id = p_entity_id) x
$$;

create view cortex_migration.rx_crm_contacts as
select p.id as _new_id, m.old_id as _old_id,
       case when p.created_by is not null and u.old_id is null then cortex_migration.missing('created_by', p.created_by, 'app.users')
       end as _problem,
       cortex_migration.legacy_full_name(p.full_name, p.first_name, p.middle_name, p.last_name) as full_name,
       p.profession::text as profession, p.relationship::text as relationship, p.notes,
       p.profile_picture_url::text as profile_picture_url, p.date_of_birth,
       cortex_migration.legacy_entity_tags(p.id) as tags,
       u.old_id::uuid as created_by, p.created_at, p.updated_at
from cortex_entities.persons p
left join cortex_migration.migration_mappings m on m.new_id = p.id and m.old_schema = 'crm' and m.old_table = 'contacts'
left join cortex_migration.migration_mappings u on u.new_id = p.created_by and u.old_schema = 'app' and u.old_table = 'users';

create view cortex_migration.rx_crm_contact_phones as
select ph.id as _new_id, m.old_id as _old_id,
       case when c.old_id is null then cortex_migration.missing('person_id', ph.person_id, 'crm.contacts') end as _problem,
       c.old_id::integer as contact_id, ph.phone_number::text as phone_number, ph.label::text as label,
       ph.is_primary, ph.is_whatsapp_enabled as is_whatsapp
from cortex_entities.contact_phones ph
left join cortex_migration.migration_mappings m on m.new_id = ph.id::text and m.old_schema = 'crm' and m.old_table = 'contact_phones'
left join cortex_migration.migration_mappings c on c.new_id = ph.person_id and c.old_schema = 'crm' and c.old_table = 'contacts';

create view cortex_migration.rx_crm_contact_emails as
select e.id as _new_id, m.old_id as _old_id,
       case when c.old_id is null then cortex_migration.missing('person_id', e.person_id, 'crm.contacts') end as _problem,
       c.old_id::integer as contact_id, e.email_address::text as email, e.label::text as label, e.is_primary
from cortex_entities.contact_emails e
left join cortex_migration.migration_mappings m on m.new_id = e.id::text and m.old_schema = 'crm' and m.old_table = 'contact_emails'
left join cortex_migration.migration_mappings c on c.new_id = e.person_id and c.old_schema = 'crm' and c.old_table = 'contacts';

create view cortex_migration.rx_crm_companies as
select co.id as _new_id, m.old_id as _old_id,
       null::jsonb as _problem,
       co.name::text as name, co.industry::text as industry, co.website_url::text as website, co.tax_id::text as tax_id,
       co.is_client, co.is_vendor, cortex_migration.legacy_entity_tags(co.id) as tags, co.created_at, co.updated_at
from cortex_entities.companies co
left join cortex_migration.migration_mappings m on m.new_id = co.id and m.old_schema = 'crm' and m.old_table = 'companies';

create view cortex_migration.rx_crm_groups as
select g.id as _new_id, m.old_id as _old_id,
       case when g.parent_group_id is not null and p.old_id is null then cortex_migration.missing('parent_group_id', g.parent_group_id, 'crm.groups')
       end as _problem,
       g.name::text as name, g.group_type::text as group_type, p.old_id::integer as parent_group_id, g.created_at
from cortex_entities.groups g
left join cortex_migration.migration_mappings m on m.new_id = g.id and m.old_schema = 'crm' and m.old_table = 'groups'
left join cortex_migration.migration_mappings p on p.new_id = g.parent_group_id and p.old_schema = 'crm' and p.old_table = 'groups';
