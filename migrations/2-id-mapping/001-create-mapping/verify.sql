select 'salt-present' as id, count(*) = 1 and min(length(salt)) = 64 as ok, '1 salt of 64 hex' as expected,
       count(*) || ' salt(s)' as actual
from cortex_migration.id_salt
