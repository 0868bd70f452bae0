drop table cortex_projects.time_tracking;
drop table cortex_projects.milestones;
drop table cortex_projects.tasks;
drop table cortex_projects.projects;
