-- writes.sql with the target written by hand in the same transaction (see floor-functions.sql).
\set c random(1, :contacts)
\set t random(1, :tasks)
begin;
select bench_floor.rename_contact(:c);
select bench_floor.move_task(:t);
select bench_floor.add_task(:c);
end;
