select 'name-index' as id, to_regclass('sample.items_name_idx') is not null as ok, 'present' as expected,
       case when to_regclass('sample.items_name_idx') is null then 'missing' else 'present' end as actual
