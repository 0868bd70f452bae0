select 'schemas-present' as id,
       count(*) = 7 as ok, '7' as expected, count(*)::text as actual,
       string_agg(nspname, ', ' order by nspname) as details
from pg_namespace
where nspname in ('cortex_foundation', 'cortex_entities', 'cortex_projects', 'cortex_finance',
                  'cortex_communication', 'cortex_scheduling', 'cortex_knowledge')
union all
select 'normalize-phone-agrees',
       cortex_foundation.normalize_phone('+1 (201) 200-0037') = '2012000037'
         and cortex_foundation.normalize_phone('201.200.0037') = '2012000037'
         and cortex_foundation.normalize_phone('12012000037@s.whatsapp.net') = '2012000037',
       '2012000037', cortex_foundation.normalize_phone('12012000037@s.whatsapp.net'), null
