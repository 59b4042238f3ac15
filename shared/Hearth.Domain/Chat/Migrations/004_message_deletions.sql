-- Issue 20: messages the user deleted leave a tombstone (no text), so that a job still queued for them (index,
-- suggestions, summary) can tell a deleted turn from an erased companion and undo only what it wrote for that turn.
-- The tombstones go with their companion.
create table chat.deleted_messages (
    id         uuid        primary key,
    owner_id   uuid        not null,
    agent_id   uuid        not null references companions.agents (id) on delete cascade,
    session_id uuid,
    role       text        not null,
    deleted_at timestamptz not null
);
create index deleted_messages_owner on chat.deleted_messages (owner_id, id);
