-- reverse-writes.sql with the legacy rows written by hand in the same transaction (see reverse-floor-functions.sql).
\set t random(1, :tasks)
begin;
select bench_reverse.move_task(:t);
select bench_reverse.add_task();
end;
