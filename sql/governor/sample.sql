-- One look at the server for the batch governor (src/governor/probe.ts), from its own connection:
-- waits: other client sessions (not cortex's) now waiting on WAL, I/O or a lock;
-- blocked: of those, the ones waiting on a lock a cortex session holds;
-- lag_ms: the largest replica replay lag (null without replicas: no lag limit applies).
-- Without pg_read_all_stats, other roles' sessions show no wait events: they count as not waiting.
select
  count(*) filter (where a.wait_event_type in ('IO', 'Lock')
                      or (a.wait_event_type = 'LWLock' and a.wait_event like 'WAL%'))::int as waits,
  count(*) filter (where a.wait_event_type = 'Lock' and exists (
    select 1 from pg_stat_activity b
     where b.pid = any(pg_blocking_pids(a.pid)) and b.application_name like 'cortex%'))::int as blocked,
  (select (extract(epoch from max(coalesce(r.replay_lag, interval '0'))) * 1000)::float8
     from pg_stat_replication r) as lag_ms
from pg_stat_activity a
where a.backend_type = 'client backend' and a.state = 'active' and a.pid <> pg_backend_pid()
  and a.application_name not like 'cortex%';
