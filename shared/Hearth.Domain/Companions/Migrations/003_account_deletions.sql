-- Deleting a user's account (DELETE /api/me) is a deletion too: no agent, kind 'account'. The user row goes with the
-- request, so the same token signs in as a new user afterwards; the status stays readable by that token through the
-- SHA-256 of its subject (the subject itself is not kept).
alter table companions.deletions alter column agent_id drop not null;
alter table companions.deletions add column kind text not null default 'agent' check (kind in ('agent', 'account'));
alter table companions.deletions add column subject_hash text;
alter table companions.deletions add check ((kind = 'agent') = (agent_id is not null));
create index deletions_subject on companions.deletions (subject_hash) where subject_hash is not null;
