-- cortex_projects: projects (core entities, cj_) and tasks, milestones, time tracking (content).
create table cortex_projects.projects (
  id                        varchar(50) primary key check (id ~ '^cj_')
                            references cortex_foundation.entities (id) on delete cascade,
  name                      varchar(255) not null,
  description               text,
  status                    varchar(50) not null default 'planning'
                            check (status in ('planning', 'active', 'on_hold', 'completed', 'cancelled')),
  priority                  varchar(20) check (priority in ('low', 'medium', 'high', 'urgent')),
  start_date                date,
  end_date                  date,
  estimated_completion_date date,
  actual_completion_date    date,
  budget                    numeric(15,2),
  spent_amount              numeric(15,2),
  progress_percentage       integer check (progress_percentage between 0 and 100),
  owner_id                  varchar(50),
  client_id                 varchar(50),
  space_id                  varchar(50),
  created_at                timestamptz not null default now(),
  updated_at                timestamptz not null default now(),
  created_by                varchar(50)
);
create index projects_owner_idx on cortex_projects.projects (owner_id, status);
create index projects_client_idx on cortex_projects.projects (client_id);
create index projects_space_idx on cortex_projects.projects (space_id);

create table cortex_projects.tasks (
  id             uuid primary key default gen_random_uuid(),
  title          varchar(500) not null,
  description    text,
  status         varchar(50) not null default 'todo'
                 check (status in ('todo', 'in_progress', 'waiting', 'done', 'cancelled')),
  priority       varchar(20) check (priority in ('low', 'medium', 'high', 'urgent')),
  due_date       timestamptz,
  start_date     timestamptz,
  completed_at   timestamptz,
  estimated_hours numeric(5,2),
  actual_hours   numeric(5,2),
  parent_task_id uuid references cortex_projects.tasks (id) on delete set null,
  project_id     varchar(50),
  created_by_id  varchar(50),
  assigned_to_id varchar(50),
  space_id       varchar(50),
  tags           jsonb,
  custom_fields  jsonb,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now()
);
create index tasks_project_status_idx on cortex_projects.tasks (project_id, status);
create index tasks_assignee_status_idx on cortex_projects.tasks (assigned_to_id, status);
create index tasks_open_due_idx on cortex_projects.tasks (due_date) where status not in ('done', 'cancelled');
create index tasks_parent_idx on cortex_projects.tasks (parent_task_id);
create index tasks_space_idx on cortex_projects.tasks (space_id);

create table cortex_projects.milestones (
  id           uuid primary key default gen_random_uuid(),
  project_id   varchar(50) not null references cortex_projects.projects (id) on delete cascade,
  name         varchar(255) not null,
  description  text,
  due_date     date,
  completed_at timestamptz,
  status       varchar(50) not null default 'pending' check (status in ('pending', 'in_progress', 'completed', 'cancelled')),
  created_at   timestamptz not null default now()
);
create index milestones_project_idx on cortex_projects.milestones (project_id, due_date);

create table cortex_projects.time_tracking (
  id           uuid primary key default gen_random_uuid(),
  task_id      uuid not null references cortex_projects.tasks (id) on delete cascade,
  user_id      varchar(50),
  start_time   timestamptz not null,
  end_time     timestamptz,
  hours_logged numeric(5,2),
  description  text,
  billable     boolean not null default false,
  created_at   timestamptz not null default now()
);
create index time_tracking_task_idx on cortex_projects.time_tracking (task_id);
create index time_tracking_user_idx on cortex_projects.time_tracking (user_id, start_time);
