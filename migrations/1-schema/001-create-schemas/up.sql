-- The seven Cortex schemas and the helpers every later step uses (seed 000, "Phase 1").
create schema cortex_foundation;
create schema cortex_entities;
create schema cortex_projects;
create schema cortex_finance;
create schema cortex_communication;
create schema cortex_scheduling;
create schema cortex_knowledge;

-- New ids for rows created by the application after the migration (prefix_ + 32 hex digits).
create function cortex_foundation.generate_entity_id(prefix text) returns varchar(50)
language sql volatile as $$
  select (prefix || '_' || replace(gen_random_uuid()::text, '-', ''))::varchar(50)
$$;

-- The one phone normaliser: digits only, a leading 00 or US/Canada country code 1 dropped from
-- 11-digit numbers, so '+1 (201) 200-0037', '201.200.0037' and WhatsApp's '12012000037' agree.
create function cortex_foundation.normalize_phone(raw text) returns text
language sql immutable parallel safe as $$
  select case
    when d = '' then null
    when length(d) = 11 and left(d, 1) = '1' then substr(d, 2)
    else d
  end
  from (select regexp_replace(regexp_replace(coalesce(split_part(split_part(raw, '@', 1), 'ext', 1), ''), '^\s*(00|\+)', ''), '\D', '', 'g') as d) x
$$;
