-- "Waiting", as the state-machine engine showed it: a running instance with nothing in flight (no activity call,
-- sub-orchestration or durable timer outstanding) that only waits for an external event. Set by each checkpoint.
alter table durabletask.instances add column waiting boolean not null default false;
