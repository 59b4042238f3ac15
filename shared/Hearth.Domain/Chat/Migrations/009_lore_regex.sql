-- Issue 20: Character Card V3's `use_regex` — the entry's keys are regular expressions (run with a linear-time engine and
-- a timeout; an invalid pattern is refused when it is written).
alter table chat.lore_entries add column use_regex boolean not null default false;
