alter table sample.items add column note text;
