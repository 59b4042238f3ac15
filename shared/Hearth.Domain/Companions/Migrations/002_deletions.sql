-- A companion's deletion: the agent row goes at once (with everything that cascades from it); the erasure of what other
-- features keep about it (memory, the index, pictures and their media, orchestrations) runs as a job, and this row is
-- its status for GET /api/deletions/{id}.
create table companions.deletions (
    id            uuid        primary key,
    owner_id      uuid        not null,
    agent_id      uuid        not null,
    status        text        not null check (status in ('running', 'done')),
    requested_at  timestamptz not null,
    completed_at  timestamptz
);
create index deletions_owner on companions.deletions (owner_id, requested_at desc);
