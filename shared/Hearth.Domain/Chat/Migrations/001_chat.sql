-- Conversations with companions: sessions (a new one after a gap of inactivity) and messages. Every row carries its owner.
create schema if not exists chat;

create table chat.sessions (
    id              uuid        primary key,
    owner_id        uuid        not null,
    agent_id        uuid        not null references companions.agents (id) on delete cascade,
    started_at      timestamptz not null,
    last_message_at timestamptz not null,
    turns           int         not null default 0            -- exchanges (user message + reply) so far
);
create index sessions_agent on chat.sessions (agent_id, last_message_at desc);

create table chat.messages (
    seq               bigint      generated always as identity primary key,  -- paging order
    id                uuid        not null unique,
    owner_id          uuid        not null,
    agent_id          uuid        not null references companions.agents (id) on delete cascade,
    session_id        uuid        references chat.sessions (id) on delete cascade,
    role              text        not null check (role in ('user', 'agent')),
    kind              text        not null default 'text' check (kind in ('text', 'picture')),
    text              text        not null,
    client_message_id text,                                    -- user messages: the client's idempotency key
    reply_to          uuid,                                    -- replies: the user message they answer
    dedupe_key        text,                                    -- agent messages posted by other features (life, pictures)
    media_id          text,                                    -- pictures: the media item
    image_job_id      text,                                    -- pictures: the job that made it; replies: the job they started
    provider          text,                                    -- replies: who answered (offline, openai, azure-openai, ...)
    model             text,
    input_tokens      int,
    output_tokens     int,
    total_tokens      int,
    outcome           jsonb,                                   -- replies: mood, affinity, memories used (to answer a retry)
    created_at        timestamptz not null
);
create index messages_agent on chat.messages (agent_id, seq desc);
create index messages_session on chat.messages (session_id, seq);
create unique index messages_client_id on chat.messages (owner_id, agent_id, client_message_id) where client_message_id is not null;
create unique index messages_dedupe on chat.messages (owner_id, agent_id, dedupe_key) where dedupe_key is not null;
