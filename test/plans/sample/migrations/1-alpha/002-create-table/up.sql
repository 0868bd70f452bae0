create table sample.items (id bigint primary key, name text not null);
