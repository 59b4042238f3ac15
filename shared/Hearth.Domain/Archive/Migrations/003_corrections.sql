-- Issue 20: the archive follows the user's edits and choices of alternatives. A chat message's copy is corrected in place
-- (its text, and when it was last edited) by a transaction that says so first (set local archive.correction = 'on'),
-- as erasure does; every other update, and truncation, is still refused.
alter table archive.chat_messages add column edited_at timestamptz;

create or replace function archive.refuse_change() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' and current_setting('archive.erasure', true) = 'on' then
        return null;
    end if;
    if tg_op = 'UPDATE' and tg_table_name = 'chat_messages' and current_setting('archive.correction', true) = 'on' then
        return null;
    end if;
    raise exception 'archive.% is append-only: % is not allowed', tg_table_name, tg_op;
end
$$;
