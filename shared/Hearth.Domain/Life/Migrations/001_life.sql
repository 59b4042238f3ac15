-- Offline life: initiation settings per agent (its owner is the user), the drift clock, initiations, in-app
-- notifications and the user's push webhook. Life events and mood history live in companions (the chat reads them).
create schema if not exists life;

-- Opt-in per user and agent (an agent has one owner). No row: initiations off, defaults below.
create table life.initiation_settings (
    agent_id           uuid        primary key references companions.agents (id) on delete cascade,
    owner_id           uuid        not null,
    enabled            boolean     not null default false,
    muted              boolean     not null default false,
    daily_cap          integer     not null default 2 check (daily_cap between 0 and 24),
    weekly_cap         integer     not null default 7 check (weekly_cap between 0 and 100),
    quiet_from         text        not null default '22:00',
    quiet_to           text        not null default '08:00',
    min_gap_minutes    integer     not null default 240 check (min_gap_minutes between 0 and 10080),
    updated_at         timestamptz not null
);

-- When the agent's mood last drifted toward its baseline (the next drift covers the time since).
create table life.agent_clock (
    agent_id   uuid        primary key references companions.agents (id) on delete cascade,
    owner_id   uuid        not null,
    drifted_at timestamptz not null
);

-- Messages the agent decided to write first: planned in a slot, sent (or skipped, with the rule that stopped it) later.
create table life.initiations (
    id          uuid        primary key,
    owner_id    uuid        not null,
    agent_id    uuid        not null references companions.agents (id) on delete cascade,
    slot        text        not null,
    topic       text        not null check (length(topic) between 1 and 120),
    text        text        not null check (length(text) between 1 and 4000),
    planned_at  timestamptz not null,
    send_at     timestamptz not null,
    status      text        not null check (status in ('planned', 'sent', 'skipped')),
    reason      text,
    message_id  uuid,
    sent_at     timestamptz,
    unique (agent_id, slot)
);
-- One planned initiation per agent at a time, so two deliveries never race for the same cap.
create unique index initiations_one_planned on life.initiations (agent_id) where status = 'planned';
create index initiations_sent on life.initiations (agent_id, sent_at desc) where status = 'sent';
create index initiations_topic on life.initiations (agent_id, topic);
create index initiations_agent on life.initiations (agent_id, planned_at desc, id desc);

-- The in-app channel: one row per delivered initiation; unread until the user reads it.
create table life.notifications (
    id            uuid        primary key,
    owner_id      uuid        not null,
    agent_id      uuid        not null references companions.agents (id) on delete cascade,
    initiation_id uuid        not null unique references life.initiations (id) on delete cascade,
    message_id    uuid        not null,
    agent_name    text        not null,
    text          text        not null,
    created_at    timestamptz not null,
    read_at       timestamptz
);
create index notifications_owner on life.notifications (owner_id, created_at desc, id desc);
create index notifications_unread on life.notifications (owner_id) where read_at is null;

-- The push channel: where a user's notifications are POSTed, signed with their secret (HMAC-SHA256).
create table life.webhooks (
    owner_id   uuid        primary key,
    url        text        not null,
    secret     text        not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
