-- One owner id type and column name in every feature (issue 19): the owner is the user's id, a uuid, in owner_id.
-- Keys and indexes on owner_id are rebuilt with the column.
alter table memory.turns alter column owner_id type uuid using owner_id::uuid;
alter table memory.items alter column owner_id type uuid using owner_id::uuid;
alter table memory.summaries alter column owner_id type uuid using owner_id::uuid;
alter table memory.documents alter column owner_id type uuid using owner_id::uuid;
