-- Writes, then fails unless the gate is open: proves a failed step leaves nothing behind.
-- (The divisor is a query, not a constant, so the planner cannot fold the error away or in.)
insert into sample.items (id, name) values (1000, 'guarded');
select 1 / (select count(*) from sample.gate where open)::int;
