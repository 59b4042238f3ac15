-- One owner id type and column name in every feature (issue 19): the owner is the user's id, a uuid, in owner_id.
alter table media.items rename column owner to owner_id;
alter table media.items alter column owner_id type uuid using owner_id::uuid;
alter index media.items_owner_created rename to items_owner_id_created;
