insert into sample.items (id, name) select g, 'item ' || g from generate_series(1, 100) g;
