drop table sample.items;
