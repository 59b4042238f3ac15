-- One owner id type and column name in every feature (issue 19): the owner is the user's id, a uuid, in owner_id.
alter table images.jobs alter column owner_id type uuid using owner_id::uuid;
