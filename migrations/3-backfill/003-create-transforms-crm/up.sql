-- Transforms for crm.* people, companies, groups and their relationships. A reference the target
-- enforces with a foreign key also needs the legacy row, not only its mapping (see 002).

create view cortex_migration.tx_crm_contacts as
select c.contact_id as _legacy_key, c.contact_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when length(c.full_name) > 255 then cortex_migration.invalid('full_name longer than 255 characters')
            when length(c.profession) > 100 then cortex_migration.invalid('profession longer than 100 characters')
            when length(c.relationship) > 100 then cortex_migration.invalid('relationship longer than 100 characters')
            when length(c.profile_picture_url) > 500 then cortex_migration.invalid('profile_picture_url longer than 500 characters')
            when not cortex_migration.valid_tags(c.tags) then cortex_migration.invalid('tags is not an array of strings: ' || left(c.tags::text, 60))
            when c.created_by is not null and u.new_id is null then cortex_migration.missing('created_by', c.created_by::text, 'app.users')
       end as _problem,
       btrim(c.full_name) as _entity_name,
       c.tags as _tags,
       m.new_id as id, nullif(btrim(c.full_name), '') as full_name,
       left(nullif(split_part(btrim(c.full_name), ' ', 1), ''), 100) as first_name,
       left(nullif(btrim(substr(btrim(c.full_name), length(split_part(btrim(c.full_name), ' ', 1)) + 1)), ''), 100) as last_name,
       c.profession, c.date_of_birth, c.relationship, c.notes, c.profile_picture_url, true as is_active,
       c.created_at, c.updated_at, u.new_id as created_by
from crm.contacts c
left join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'contacts' and m.old_id = c.contact_id::text
left join cortex_migration.migration_mappings u on u.old_schema = 'app' and u.old_table = 'users' and u.old_id = c.created_by::text;

create view cortex_migration.tx_crm_contact_phones as
select p.id as _legacy_key, p.id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when c.new_id is null or lc.contact_id is null then cortex_migration.missing('contact_id', p.contact_id::text, 'crm.contacts')
            when cortex_foundation.normalize_phone(p.phone_number) is null then cortex_migration.invalid('phone number has no digits: ' || coalesce(quote_literal(p.phone_number), 'null'))
            when length(p.phone_number) > 50 then cortex_migration.invalid('phone_number longer than 50 characters')
            when p.label is not null and lower(btrim(p.label)) not in ('mobile', 'work', 'home', 'other') then cortex_migration.invalid('unknown phone label ' || quote_literal(p.label))
       end as _problem,
       m.new_id::uuid as id, c.new_id as person_id, btrim(p.phone_number)::varchar(50) as phone_number,
       lower(btrim(p.label))::varchar(50) as label, p.is_primary, p.is_whatsapp as is_whatsapp_enabled
from crm.contact_phones p
left join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'contact_phones' and m.old_id = p.id::text
left join cortex_migration.migration_mappings c on c.old_schema = 'crm' and c.old_table = 'contacts' and c.old_id = p.contact_id::text
left join crm.contacts lc on lc.contact_id = p.contact_id;

create view cortex_migration.tx_crm_contact_emails as
select e.id as _legacy_key, e.id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when c.new_id is null or lc.contact_id is null then cortex_migration.missing('contact_id', e.contact_id::text, 'crm.contacts')
            when e.email is null or btrim(e.email) = '' then cortex_migration.invalid('email is empty')
            when btrim(e.email) !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then cortex_migration.invalid('not an e-mail address: ' || quote_literal(e.email))
            when length(e.email) > 255 then cortex_migration.invalid('email longer than 255 characters')
            when e.label is not null and lower(btrim(e.label)) not in ('personal', 'work', 'other') then cortex_migration.invalid('unknown e-mail label ' || quote_literal(e.label))
       end as _problem,
       m.new_id::uuid as id, c.new_id as person_id, btrim(e.email)::varchar(255) as email_address,
       lower(btrim(e.label))::varchar(50) as label, e.is_primary
from crm.contact_emails e
left join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'contact_emails' and m.old_id = e.id::text
left join cortex_migration.migration_mappings c on c.old_schema = 'crm' and c.old_table = 'contacts' and c.old_id = e.contact_id::text
left join crm.contacts lc on lc.contact_id = e.contact_id;

create view cortex_migration.tx_crm_companies as
select co.company_id as _legacy_key, co.company_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when length(co.name) > 255 then cortex_migration.invalid('name longer than 255 characters')
            when length(co.industry) > 100 then cortex_migration.invalid('industry longer than 100 characters')
            when length(co.tax_id) > 50 then cortex_migration.invalid('tax_id longer than 50 characters')
            when length(co.website) > 500 then cortex_migration.invalid('website longer than 500 characters')
            when not cortex_migration.valid_tags(co.tags) then cortex_migration.invalid('tags is not an array of strings: ' || left(co.tags::text, 60))
       end as _problem,
       co.name as _entity_name,
       co.tags as _tags,
       m.new_id as id, co.name, co.industry, co.tax_id, co.website as website_url, 'active'::varchar(50) as status,
       co.is_client, co.is_vendor, co.created_at, co.updated_at
from crm.companies co
left join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'companies' and m.old_id = co.company_id::text;

create view cortex_migration.tx_crm_contact_company_memberships as
select cm.contact_id as _legacy_key, cm.contact_id::text || ':' || cm.company_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when p.new_id is null then cortex_migration.missing('contact_id', cm.contact_id::text, 'crm.contacts')
            when c.new_id is null then cortex_migration.missing('company_id', cm.company_id::text, 'crm.companies')
       end as _problem,
       m.new_id::uuid as id, p.new_id as from_entity_id, c.new_id as to_entity_id, 'works_for'::varchar(100) as relationship_type,
       jsonb_strip_nulls(jsonb_build_object('title', cm.title, 'started_at', cm.started_at)) as metadata, cm.created_at
from crm.contact_company_memberships cm
left join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'contact_company_memberships' and m.old_id = cm.contact_id::text || ':' || cm.company_id::text
left join cortex_migration.migration_mappings p on p.old_schema = 'crm' and p.old_table = 'contacts' and p.old_id = cm.contact_id::text
left join cortex_migration.migration_mappings c on c.old_schema = 'crm' and c.old_table = 'companies' and c.old_id = cm.company_id::text;

create view cortex_migration.tx_crm_contact_relationships as
select r.id as _legacy_key, r.id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when a.new_id is null then cortex_migration.missing('contact_id', r.contact_id::text, 'crm.contacts')
            when b.new_id is null then cortex_migration.missing('related_contact_id', r.related_contact_id::text, 'crm.contacts')
            when r.contact_id = r.related_contact_id then cortex_migration.invalid('relates a contact to itself')
            when coalesce(lower(btrim(r.relationship_type)), '') !~ '^[a-z][a-z_]{0,99}$' then cortex_migration.invalid('unusable relationship_type ' || coalesce(quote_literal(r.relationship_type), 'null'))
       end as _problem,
       m.new_id::uuid as id, a.new_id as from_entity_id, b.new_id as to_entity_id,
       lower(btrim(r.relationship_type))::varchar(100) as relationship_type,
       (lower(btrim(r.relationship_type)) in ('spouse', 'friend_of', 'sibling_of', 'colleague_of')) as is_bidirectional,
       r.created_at
from crm.contact_relationships r
left join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'contact_relationships' and m.old_id = r.id::text
left join cortex_migration.migration_mappings a on a.old_schema = 'crm' and a.old_table = 'contacts' and a.old_id = r.contact_id::text
left join cortex_migration.migration_mappings b on b.old_schema = 'crm' and b.old_table = 'contacts' and b.old_id = r.related_contact_id::text;

create view cortex_migration.tx_crm_groups as
select g.group_id as _legacy_key, g.group_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when g.parent_group_id is not null and (p.new_id is null or lp.group_id is null) then cortex_migration.missing('parent_group_id', g.parent_group_id::text, 'crm.groups')
            when length(g.name) > 255 then cortex_migration.invalid('name longer than 255 characters')
            when length(g.group_type) > 100 then cortex_migration.invalid('group_type longer than 100 characters')
       end as _problem,
       g.name as _entity_name,
       m.new_id as id, g.name, g.group_type, p.new_id as parent_group_id, 'active'::varchar(50) as status,
       g.created_at, g.created_at as updated_at
from crm.groups g
left join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'groups' and m.old_id = g.group_id::text
left join cortex_migration.migration_mappings p on p.old_schema = 'crm' and p.old_table = 'groups' and p.old_id = g.parent_group_id::text
left join crm.groups lp on lp.group_id = g.parent_group_id;

create view cortex_migration.tx_crm_group_members as
select gm.group_id as _legacy_key, gm.group_id::text || ':' || gm.contact_id::text as _old_id,
       case when m.new_id is null then cortex_migration.unmapped()
            when g.new_id is null then cortex_migration.missing('group_id', gm.group_id::text, 'crm.groups')
            when p.new_id is null then cortex_migration.missing('contact_id', gm.contact_id::text, 'crm.contacts')
       end as _problem,
       m.new_id::uuid as id, p.new_id as from_entity_id, g.new_id as to_entity_id, 'member_of'::varchar(100) as relationship_type,
       gm.added_at as created_at
from crm.group_members gm
left join cortex_migration.migration_mappings m on m.old_schema = 'crm' and m.old_table = 'group_members' and m.old_id = gm.group_id::text || ':' || gm.contact_id::text
left join cortex_migration.migration_mappings g on g.old_schema = 'crm' and g.old_table = 'groups' and g.old_id = gm.group_id::text
left join cortex_migration.migration_mappings p on p.old_schema = 'crm' and p.old_table = 'contacts' and p.old_id = gm.contact_id::text;
