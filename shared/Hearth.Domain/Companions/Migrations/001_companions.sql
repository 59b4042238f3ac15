-- Companions (agents), their scenarios, life events, and the history of their mood and affinity. Every row carries its owner.
create schema if not exists companions;

create table companions.agents (
    id                  uuid             primary key,
    owner_id            uuid             not null,
    name                text             not null check (length(name) between 1 and 80),
    bio                 text             not null default '',
    personality         text             not null default '',
    speaking_style      text             not null default '',
    boundaries          text             not null default '',
    home_city           text             not null default '',
    occupation          text             not null default '',
    time_zone           text             not null,                      -- IANA name; availability and local time use it
    appearance_prompt   text,
    base_image_media_id text,
    availability        jsonb            not null,                      -- weekly blocks in the agent's time zone
    mood_baseline       double precision not null check (mood_baseline between -1 and 1),
    mood                double precision not null check (mood between -1 and 1),
    affinity            double precision not null check (affinity between 0 and 100),
    created_at          timestamptz      not null,
    updated_at          timestamptz      not null
);
create index agents_owner on companions.agents (owner_id, id desc);

create table companions.scenarios (
    id          uuid        primary key,
    owner_id    uuid        not null,
    agent_id    uuid        not null references companions.agents (id) on delete cascade,
    title       text        not null check (length(title) between 1 and 200),
    description text        not null default '',
    starts_at   timestamptz,                                             -- null: active from the start
    ends_at     timestamptz,                                             -- null: open-ended
    created_at  timestamptz not null,
    check (ends_at is null or starts_at is null or ends_at > starts_at)
);
create index scenarios_agent on companions.scenarios (agent_id, created_at desc);

-- Written by the offline-life feature (ILifeEventWriter); read into the chat prompt and served by GET /api/agents/{id}/events.
create table companions.life_events (
    id          uuid             primary key,
    owner_id    uuid             not null,
    agent_id    uuid             not null references companions.agents (id) on delete cascade,
    occurred_at timestamptz      not null,
    kind        text             not null check (length(kind) between 1 and 40),
    text        text             not null check (length(text) between 1 and 2000),
    mood_delta  double precision not null default 0 check (mood_delta between -1 and 1),
    topic       text,
    dedupe_key  text,                                                    -- a writer's retry of the same event is a no-op
    created_at  timestamptz      not null
);
create index life_events_agent on companions.life_events (agent_id, occurred_at desc, id desc);
create unique index life_events_dedupe on companions.life_events (agent_id, dedupe_key) where dedupe_key is not null;

-- Every change of affinity and of mood, with its reason and where it came from (chat, life, drift, api).
create table companions.affinity_deltas (
    id          bigint           generated always as identity primary key,
    owner_id    uuid             not null,
    agent_id    uuid             not null references companions.agents (id) on delete cascade,
    message_id  uuid,
    delta       double precision not null,
    value_after double precision not null,
    reason      text             not null,
    source      text             not null,
    created_at  timestamptz      not null
);
create index affinity_deltas_agent on companions.affinity_deltas (agent_id, id desc);

create table companions.mood_changes (
    id          bigint           generated always as identity primary key,
    owner_id    uuid             not null,
    agent_id    uuid             not null references companions.agents (id) on delete cascade,
    message_id  uuid,
    delta       double precision not null,
    value_after double precision not null,
    reason      text             not null,
    source      text             not null,
    created_at  timestamptz      not null
);
create index mood_changes_agent on companions.mood_changes (agent_id, id desc);
