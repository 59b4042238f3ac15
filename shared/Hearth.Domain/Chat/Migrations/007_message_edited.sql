-- Issue 20: when the user last edited a message (null: as written). A reply's alternatives keep their own, so choosing
-- an alternative shows whether that text was edited.
alter table chat.messages add column edited_at timestamptz;
alter table chat.reply_alternatives add column edited_at timestamptz;
