-- Issue 20: group lines get what 1:1 messages have — edits (when, last), alternatives of a companion's line ("swipes",
-- the line row holding the chosen one), and tombstones for deleted lines, so that a memory job still queued for a group
-- exchange can tell a deleted line (undo what it wrote for it) from an erased companion. The tombstones outlive the
-- group (deleting a group deletes its lines) and go with the companion, or with the account.
alter table chat.group_messages add column edited_at timestamptz;
alter table chat.group_messages add column selected_alternative int;

create table chat.group_reply_alternatives (
    reply_id       uuid             not null references chat.group_messages (id) on delete cascade,
    idx            int              not null,
    owner_id       uuid             not null,
    text           text             not null,
    provider       text,
    model          text,
    prompt         jsonb,
    mood_delta     double precision not null,   -- this alternative's judgement (the first: the step it applied)
    affinity_delta double precision not null,
    reason         text             not null,
    created_at     timestamptz      not null,
    edited_at      timestamptz,
    primary key (reply_id, idx)
);

create table chat.deleted_group_messages (
    id         uuid        primary key,
    owner_id   uuid        not null,
    group_id   uuid        not null,
    agent_id   uuid        references companions.agents (id) on delete cascade,   -- a companion's line: who spoke
    role       text        not null,
    deleted_at timestamptz not null
);
create index deleted_group_messages_owner on chat.deleted_group_messages (owner_id, id);
