select 'note-column' as id,
       exists (select 1 from information_schema.columns where table_schema = 'sample' and table_name = 'items' and column_name = 'note') as ok
