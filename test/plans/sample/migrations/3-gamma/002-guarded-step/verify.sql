select 'guarded-row' as id,
       case when exists (select 1 from sample.items where id = 1000) then 'passed' else 'failed' end as status,
       null as details
union all
select 'gate-open', 'warning', 'the gate is left open after the step ran'
