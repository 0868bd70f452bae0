alter table sample.items drop column note;
