-- Pictures: one row per picture job (the read model of GET /api/images/{id}; the orchestration of the same id drives it),
-- the pictures it produced (in the media store), and the webhook deliveries seen (idempotency on Fal's request id).
create schema if not exists images;

create table images.jobs (
    id                      text        primary key,
    owner_id                text        not null,
    agent_id                text        not null,
    kind                    text        not null check (kind in ('BasePortrait', 'Variation')),
    prompt                  text,
    session_id              text,
    requested_by_message_id text,
    status                  text        not null default 'queued'
                                        check (status in ('queued', 'submitted', 'running', 'succeeded', 'failed')),
    reason                  text,
    provider                text,
    is_placeholder          boolean     not null default false,
    request_id              text,
    webhook_requested       boolean     not null default false,
    submission              jsonb,
    message_id              text,
    created_at              timestamptz not null,
    submitted_at            timestamptz,
    running_at              timestamptz,
    finished_at             timestamptz
);

-- The chat's daily cap counts an agent's recent jobs; the API lists a user's jobs newest first.
create index jobs_owner_agent_created on images.jobs (owner_id, agent_id, created_at desc);
create index jobs_owner_created on images.jobs (owner_id, created_at desc, id desc);

create table images.job_images (
    job_id       text    not null references images.jobs (id) on delete cascade,
    position     int     not null check (position >= 0),
    media_id     text    not null,
    content_type text    not null,
    width        int,
    height       int,
    primary key (job_id, position)
);

create table images.webhook_deliveries (
    request_id  text        primary key,
    job_id      text        not null,
    outcome     text        not null,
    received_at timestamptz not null
);

create index webhook_deliveries_job on images.webhook_deliveries (job_id);
