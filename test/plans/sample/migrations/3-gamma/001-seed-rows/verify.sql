select 'row-count' as id, count(*) = 100 as ok, '100' as expected, count(*)::text as actual
from sample.items where id between 1 and 100
