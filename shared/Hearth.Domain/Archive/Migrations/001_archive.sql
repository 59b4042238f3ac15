-- The archive: a second database that keeps a copy of every skill file version and every chat message, append-only.
create schema if not exists archive;

create table archive.skill_versions (
    owner       text        not null,
    file_id     text        not null,
    path        text        not null,
    version     int         not null,
    sha256      text        not null,
    length      int         not null,
    type        text        not null,
    content     bytea       not null,
    created_at  timestamptz not null,
    archived_at timestamptz not null default now(),
    primary key (file_id, version),
    check (length = octet_length(content))
);
create index skill_versions_latest on archive.skill_versions (owner, path, version desc);

create table archive.chat_messages (
    id          text        not null primary key,
    owner       text        not null,
    agent_id    text        not null,
    session_id  text        not null,
    role        text        not null,
    text        text        not null,
    created_at  timestamptz not null,
    archived_at timestamptz not null default now()
);
create index chat_messages_session on archive.chat_messages (owner, session_id, created_at);

-- Append-only: rows are inserted, never changed or removed.
create function archive.refuse_change() returns trigger language plpgsql as $$
begin
    raise exception 'archive.% is append-only: % is not allowed', tg_table_name, tg_op;
end
$$;
create trigger skill_versions_append_only before update or delete or truncate on archive.skill_versions
    for each statement execute function archive.refuse_change();
create trigger chat_messages_append_only before update or delete or truncate on archive.chat_messages
    for each statement execute function archive.refuse_change();
