-- Issue 20: a companion's core memory block (Letta's "human" block): what it always knows about the user, written and
-- edited by the user, in every prompt of that companion. It goes with the companion.
create table chat.core_memory (
    agent_id   uuid        primary key references companions.agents (id) on delete cascade,
    owner_id   uuid        not null,
    text       text        not null,
    updated_at timestamptz not null
);
create index core_memory_owner on chat.core_memory (owner_id);
