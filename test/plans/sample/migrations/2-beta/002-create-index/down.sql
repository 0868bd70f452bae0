drop index concurrently if exists sample.items_name_idx;
