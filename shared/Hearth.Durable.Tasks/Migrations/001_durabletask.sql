-- Storage of DurableTask.Core orchestrations (the Durable Task programming model) on PostgreSQL.
-- Shaped like Microsoft's SQL Server provider: instances, their history, the events waiting for them (new_events)
-- and the activity calls waiting for a worker (new_tasks). Messages and history events are DurableTask.Core's own
-- types as JSON; the columns beside them are what the queries filter and sort on.
create schema if not exists durabletask;

create table durabletask.instances (
    instance_id        text        primary key,
    execution_id       text        not null,
    name               text        not null,
    version            text,
    status             text        not null,             -- DurableTask.Core's OrchestrationStatus names
    input              text,
    output             text,
    custom_status      text,
    failure            text,                             -- FailureDetails as JSON when the orchestration failed
    parent_instance_id text,
    owner              text,                             -- who may see and manage it through the API (null: the system)
    tags               text,
    created_at         timestamptz not null,
    updated_at         timestamptz not null,
    completed_at       timestamptz,
    locked_by          text,                             -- the worker replaying it now
    lock_expires_at    timestamptz                       -- the lease; after it another worker may take it
);
create index instances_by_owner on durabletask.instances (owner, created_at desc);
create index instances_finished on durabletask.instances (completed_at) where completed_at is not null;

create table durabletask.history (
    instance_id  text        not null,
    execution_id text        not null,
    sequence     int         not null,
    event_type   text        not null,
    event        text        not null,
    created_at   timestamptz not null,
    -- Two workers checkpointing one instance at once collide here; the second rolls back.
    primary key (instance_id, execution_id, sequence)
);

create table durabletask.new_events (
    id           bigint      generated always as identity primary key,
    instance_id  text        not null,
    execution_id text,
    event_type   text        not null,
    visible_at   timestamptz not null,                   -- durable timers are events visible at their fire time
    message      text        not null
);
create index new_events_visible on durabletask.new_events (visible_at, id);
create index new_events_by_instance on durabletask.new_events (instance_id, id);

create table durabletask.new_tasks (
    id              bigint      generated always as identity primary key,
    instance_id     text        not null,
    execution_id    text        not null,
    name            text        not null,
    visible_at      timestamptz not null,
    locked_by       text,
    lock_expires_at timestamptz,
    dequeue_count   int         not null default 0,
    message         text        not null
);
create index new_tasks_ready on durabletask.new_tasks (visible_at, id);
create index new_tasks_by_instance on durabletask.new_tasks (instance_id);
