-- Memory: what the indexer wrote, structured (warm) memory, session summaries, and the corpus import's staging.
-- Conversation text itself lives in the chat's tables and in the search index (schema search).
create schema if not exists memory;

-- One row per exchange written to the search index: proof of indexing and the hot tier's bookmark.
create table memory.turns (
    owner_id          text        not null,
    reply_message_id  text        not null,
    user_message_id   text        not null,
    agent_id          text        not null,
    session_id        text        not null,
    turn_number       int         not null,
    collection        text        not null,
    domain            text        not null,
    at                timestamptz not null,
    indexed_at        timestamptz not null default now(),
    primary key (owner_id, reply_message_id)
);
create index turns_by_session on memory.turns (owner_id, session_id, at desc);

-- Structured memory: profile facts, preferences, projects, tools, people, dates, decisions, self-descriptions.
-- scope is '' for what is about the user (shared by every agent) and the agent's id for what is about an agent.
-- subject is the normalised key a fact is de-duplicated and updated by ("home", "taste:jazz", "person:boss").
create table memory.items (
    owner_id          text        not null,
    id                text        not null,
    scope             text        not null default '',
    kind              text        not null,
    subject           text        not null,
    text              text        not null check (length(text) between 1 and 2000),
    fingerprint       text        not null,
    status            text        not null check (status in ('suggested', 'accepted', 'rejected')),
    origin            text        not null check (origin in ('rules', 'model', 'user', 'system')),
    agent_id          text,
    session_id        text,
    source_message_id text,
    -- When the evidence was said: an older message never overwrites a newer value (re-run jobs, user edits).
    source_at         timestamptz not null,
    -- Earlier values, newest last: [{ "text", "sourceMessageId", "at" }].
    history           jsonb       not null default '[]',
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    primary key (owner_id, id)
);
-- At most one live (suggested or accepted) item per subject; a rejection is remembered per value.
create unique index items_live_subject on memory.items (owner_id, scope, kind, subject) where status <> 'rejected';
create unique index items_rejected_value on memory.items (owner_id, scope, kind, subject, fingerprint) where status = 'rejected';
create index items_listing on memory.items (owner_id, status, updated_at desc, id);

-- Session summaries: requested (pending), then written (done) or failed.
create table memory.summaries (
    owner_id          text        not null,
    id                text        not null,
    agent_id          text        not null,
    session_id        text        not null,
    up_to_message_id  text        not null,
    status            text        not null check (status in ('pending', 'done', 'failed')),
    origin            text,
    message_count     int         not null default 0,
    topics            text[]      not null default '{}',
    decisions         text[]      not null default '{}',
    action_items      text[]      not null default '{}',
    text              text,
    error             text,
    first_message_at  timestamptz,
    last_message_at   timestamptz,
    requested_at      timestamptz not null default now(),
    completed_at      timestamptz,
    primary key (owner_id, id),
    unique (owner_id, session_id, up_to_message_id)
);
create index summaries_by_agent on memory.summaries (owner_id, agent_id, last_message_at desc) where status = 'done';
create index summaries_by_session on memory.summaries (owner_id, session_id, requested_at desc);

-- Imported corpus documents: what the index holds for each (its chunk count lets a re-import remove surplus chunks).
create table memory.documents (
    owner_id          text        not null,
    id                text        not null,
    title             text,
    source            text,
    domain            text        not null,
    chunks            int         not null,
    import_id         text        not null,
    created_at        timestamptz not null,
    indexed_at        timestamptz not null default now(),
    primary key (owner_id, id)
);

-- Documents of an import waiting to be chunked and indexed; removed when the import finishes.
create table memory.import_documents (
    import_id         text        not null,
    seq               int         not null,
    line              int         not null,
    doc_id            text        not null,
    title             text,
    text              text        not null,
    source            text,
    domain            text,
    created_at        timestamptz,
    primary key (import_id, seq)
);
