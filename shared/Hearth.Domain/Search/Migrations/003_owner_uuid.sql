-- One owner id type and column name in every feature (issue 19): the owner is the user's id, a uuid, in owner_id.
-- The primary key (collection_id, owner, id) follows the column.
alter table search.documents rename column owner to owner_id;
alter table search.documents alter column owner_id type uuid using owner_id::uuid;
