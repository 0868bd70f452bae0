select 'whatsapp-ddl-unchanged' as id, f.ddl_hash = now_.ddl_hash as ok,
       f.ddl_hash as expected, now_.ddl_hash as actual, 'fingerprint taken ' || f.taken_at as details
from cortex_migration.whatsapp_fingerprint f, cortex_migration.whatsapp_fingerprint() now_
union all
select 'whatsapp-data-unchanged', f.data_hash = now_.data_hash, f.data_hash, now_.data_hash,
       case when f.data_hash = now_.data_hash then null
            else 'rows then ' || f.table_rows::text || ', now ' || now_.table_rows::text end
from cortex_migration.whatsapp_fingerprint f, cortex_migration.whatsapp_fingerprint() now_
