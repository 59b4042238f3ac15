-- One owner id type and column name in every feature (issue 19): the owner is the user's id, a uuid, in owner_id.
-- Keys, unique constraints and indexes on the column follow it (their names stay). File and section ids are hashes
-- of the owner id's text form (lower-case, hyphenated), which is what the column held and what uuid::text answers.
alter table skills.blobs rename column owner to owner_id;
alter table skills.blobs alter column owner_id type uuid using owner_id::uuid;
alter table skills.files rename column owner to owner_id;
alter table skills.files alter column owner_id type uuid using owner_id::uuid;
alter table skills.versions rename column owner to owner_id;
alter table skills.versions alter column owner_id type uuid using owner_id::uuid;
alter table skills.sections rename column owner to owner_id;
alter table skills.sections alter column owner_id type uuid using owner_id::uuid;
alter table skills.runs rename column owner to owner_id;
alter table skills.runs alter column owner_id type uuid using owner_id::uuid;
alter table skills.run_files rename column owner to owner_id;
alter table skills.run_files alter column owner_id type uuid using owner_id::uuid;
alter table skills.checkouts rename column owner to owner_id;
alter table skills.checkouts alter column owner_id type uuid using owner_id::uuid;
