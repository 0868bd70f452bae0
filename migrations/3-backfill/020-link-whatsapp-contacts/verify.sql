select 'whatsapp-links' as id,
       case when count(*) > 0 then 'passed' else 'warning' end as status,
       '> 0' as expected, count(*)::text as actual,
       count(distinct channel_record_id) || ' whatsapp contacts linked to ' || count(distinct entity_id) || ' persons' as details
from cortex_communication.channel_entity_links where channel_type = 'whatsapp' and relationship_type = 'contact_of'
