-- Issue 20: group chats — one conversation of the user with two or more of their companions, who take turns. A
-- companion's lines go with it (cascade), as its 1:1 messages do; the group and the user's lines go with the account.
create table chat.groups (
    id         uuid        primary key,
    owner_id   uuid        not null,
    name       text        not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index groups_owner on chat.groups (owner_id, created_at desc, id desc);

create table chat.group_members (
    group_id uuid not null references chat.groups (id) on delete cascade,
    agent_id uuid not null references companions.agents (id) on delete cascade,
    owner_id uuid not null,
    position int  not null,                      -- the round-robin order
    primary key (group_id, agent_id)
);
create index group_members_agent on chat.group_members (agent_id);

create table chat.group_messages (
    seq               bigint      generated always as identity primary key,
    id                uuid        not null unique,
    group_id          uuid        not null references chat.groups (id) on delete cascade,
    owner_id          uuid        not null,
    role              text        not null check (role in ('user', 'agent')),
    agent_id          uuid        references companions.agents (id) on delete cascade,  -- who spoke (agent lines)
    text              text        not null,
    client_message_id text,                                   -- user lines: the client's idempotency key
    reply_to          uuid,                                   -- agent lines: the user line they answer
    provider          text,
    model             text,
    prompt            jsonb,                                  -- agent lines: the messages sent to the model
    outcome           jsonb,                                  -- agent lines: mood and affinity after, and the steps
    created_at        timestamptz not null
);
create index group_messages_group on chat.group_messages (group_id, seq desc);
create unique index group_messages_client on chat.group_messages (group_id, client_message_id) where client_message_id is not null;
