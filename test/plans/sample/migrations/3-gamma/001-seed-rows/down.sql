delete from sample.items where id between 1 and 100;
