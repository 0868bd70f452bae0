create schema sample;
create table sample.gate (open boolean not null);
