drop schema sample cascade;
