-- Issue 20: alternative replies ("swipes"). The reply row always holds the chosen alternative (what memory, summaries,
-- mood and later prompts read); every alternative, the first included, is kept here with what it was written from.
create table chat.reply_alternatives (
    reply_id       uuid             not null references chat.messages (id) on delete cascade,
    idx            int              not null,
    owner_id       uuid             not null,
    text           text             not null,
    provider       text,
    model          text,
    input_tokens   int,
    output_tokens  int,
    total_tokens   int,
    prompt         jsonb,
    memories_used  jsonb            not null default '[]',
    lore_used      jsonb            not null default '[]',
    mood_delta     double precision not null,   -- the judgement's step for this alternative (before clamping to the range)
    affinity_delta double precision not null,
    reason         text             not null,
    created_at     timestamptz      not null,
    primary key (reply_id, idx)
);

alter table chat.messages add column selected_alternative int;
