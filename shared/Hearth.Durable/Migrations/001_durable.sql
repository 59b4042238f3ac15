-- The durable runtime: jobs (queue-triggered functions, activities, durable timers, orchestration steps),
-- timer schedules, and orchestration instances with their event inbox.
create schema if not exists durable;

create table durable.jobs (
    id               bigint generated always as identity primary key,
    queue            text        not null,                 -- function (or activity) name
    kind             smallint    not null default 0,       -- 0 function, 1 activity, 2 durable timer, 3 orchestration step
    state            text        not null default 'ready'
                     check (state in ('ready', 'running', 'succeeded', 'dead', 'cancelled')),
    payload          jsonb       not null default 'null',
    run_at           timestamptz not null default now(),
    attempt          int         not null default 0,
    max_attempts     int         not null,
    retry            jsonb,                                -- RetryPolicy; null: the runtime default
    unique_key       text,
    owner            text,                                 -- user the job acts for, when there is one
    instance_id      text,                                 -- orchestration this job belongs to
    call_id          text,                                 -- activity call or timer id inside that orchestration: '<generation>.<seq>[:tag]'
    lease_owner      text,
    lease_expires_at timestamptz,
    last_error       text,
    created_at       timestamptz not null default now(),
    started_at       timestamptz,
    finished_at      timestamptz
);

-- Fetch: ready jobs in due order.
create index jobs_ready on durable.jobs (run_at, id) where state = 'ready';
-- Rescue: expired leases.
create index jobs_running on durable.jobs (lease_expires_at) where state = 'running';
-- Prune and admin listings of finished jobs.
create index jobs_finished on durable.jobs (finished_at) where state in ('succeeded', 'dead', 'cancelled');
-- A unique key de-duplicates while a job with that key is unfinished.
create unique index jobs_unique on durable.jobs (queue, unique_key) where unique_key is not null and state in ('ready', 'running');
-- Orchestration jobs of an instance (wake de-duplication, cancellation on terminate).
create index jobs_instance on durable.jobs (instance_id, kind) where instance_id is not null and state in ('ready', 'running');

-- Wake workers when jobs are inserted; delivered at commit, so a rolled-back enqueue wakes nobody.
create function durable.notify_jobs() returns trigger language plpgsql as $$
begin
    perform pg_notify('durable_jobs', '');
    return null;
end $$;
create trigger jobs_notify after insert on durable.jobs for each statement execute function durable.notify_jobs();

create table durable.schedules (
    name          text primary key,                        -- timer function name
    cron          text        not null,
    next_run_at   timestamptz not null,
    last_run_at   timestamptz,
    updated_at    timestamptz not null default now()
);

create table durable.instances (
    id              text primary key,
    type            text        not null,
    status          text        not null
                    check (status in ('Pending', 'Running', 'Waiting', 'Completed', 'Failed', 'Terminated')),
    owner           text,
    input           jsonb       not null default 'null',
    state           jsonb       not null default 'null',   -- the orchestration's own state
    runtime         jsonb       not null default '{}',     -- bookkeeping: in-flight counts, waits, buffered events
    custom_status   jsonb,
    output          jsonb,
    error           text,
    version         int         not null default 0,
    generation      int         not null default 0,        -- bumped by continue-as-new; older events are stale
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    completed_at    timestamptz
);
create index instances_type_status on durable.instances (type, status, created_at desc);
create index instances_owner on durable.instances (owner, created_at desc) where owner is not null;

-- Events waiting to be applied to an instance, in order.
create table durable.events (
    seq          bigint generated always as identity primary key,
    instance_id  text        not null,
    kind         text        not null,                     -- started, activity_completed, activity_failed, timer_fired, event_raised, terminate
    name         text,
    call_id      text,                                     -- '<generation>.<seq>[:tag]' for activities and timers
    payload      jsonb,
    created_at   timestamptz not null default now()
);
create index events_instance on durable.events (instance_id, seq);

-- Activity calls beyond an instance's in-flight bound, dispatched as earlier calls finish.
create table durable.backlog (
    seq          bigint generated always as identity primary key,
    instance_id  text        not null,
    queue        text        not null,
    call_id      text        not null,
    payload      jsonb       not null,
    max_attempts int         not null,
    retry        jsonb
);
create index backlog_instance on durable.backlog (instance_id, seq);
