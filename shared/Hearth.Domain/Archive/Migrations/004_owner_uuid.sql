-- One owner id type and column name in every feature (issue 19): the owner is the user's id, a uuid, in owner_id.
-- A rename and a type change are DDL: the append-only trigger (update, delete, truncate) does not fire.
alter table archive.skill_versions rename column owner to owner_id;
alter table archive.skill_versions alter column owner_id type uuid using owner_id::uuid;
alter table archive.chat_messages rename column owner to owner_id;
alter table archive.chat_messages alter column owner_id type uuid using owner_id::uuid;
