create index concurrently if not exists items_name_idx on sample.items (name);
