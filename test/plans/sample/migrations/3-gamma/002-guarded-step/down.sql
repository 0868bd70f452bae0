delete from sample.items where id = 1000;
