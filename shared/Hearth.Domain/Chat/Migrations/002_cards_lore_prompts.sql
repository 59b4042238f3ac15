-- Issue 20: character cards (what an imported card holds beyond the agent's own columns), lorebooks (world info) per
-- agent and per user, and the exact prompt each reply was written from (the prompt inspector).

create table chat.character_cards (
    agent_id                  uuid        primary key references companions.agents (id) on delete cascade,
    owner_id                  uuid        not null,
    spec                      text        not null,                 -- the spec the card was read as: chara_card_v1/v2/v3
    scenario                  text        not null default '',
    first_message             text        not null default '',
    example_dialogues         text        not null default '',
    creator_notes             text        not null default '',
    system_prompt             text        not null default '',
    post_history_instructions text        not null default '',
    alternate_greetings       jsonb       not null default '[]',
    tags                      jsonb       not null default '[]',
    creator                   text        not null default '',
    character_version         text        not null default '',
    extensions                jsonb       not null default '{}',    -- other tools' extensions, kept verbatim for export
    imported_at               timestamptz not null
);

create table chat.lorebooks (
    id                 uuid        primary key,
    owner_id           uuid        not null,
    agent_id           uuid        references companions.agents (id) on delete cascade,  -- null: the user's own book (every companion)
    name               text        not null default '',
    description        text        not null default '',
    scan_depth         int         not null default 4,
    token_budget       int         not null default 512,
    recursive_scanning boolean     not null default false,
    extensions         jsonb       not null default '{}',
    created_at         timestamptz not null,
    updated_at         timestamptz not null
);
create unique index lorebooks_agent on chat.lorebooks (agent_id) where agent_id is not null;
create unique index lorebooks_user on chat.lorebooks (owner_id) where agent_id is null;

create table chat.lore_entries (
    id              uuid        primary key,
    book_id         uuid        not null references chat.lorebooks (id) on delete cascade,
    owner_id        uuid        not null,
    keys            text[]      not null,
    secondary_keys  text[]      not null default '{}',
    selective       boolean     not null default false,   -- a secondary key must match too
    constant        boolean     not null default false,   -- always injected (within the budget)
    content         text        not null,
    enabled         boolean     not null default true,
    insertion_order int         not null default 100,
    priority        int,
    case_sensitive  boolean     not null default false,
    position        text        not null default 'after_char' check (position in ('before_char', 'after_char')),
    name            text        not null default '',
    comment         text        not null default '',
    extensions      jsonb       not null default '{}',
    created_at      timestamptz not null,
    updated_at      timestamptz not null
);
create index lore_entries_book on chat.lore_entries (book_id, insertion_order);

-- Replies: the messages sent to the model for them (system prompt first), as [{ role, content }].
alter table chat.messages add column prompt jsonb;
