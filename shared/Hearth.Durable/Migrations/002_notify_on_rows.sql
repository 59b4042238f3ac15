-- Notify only when a statement inserted rows. A statement-level trigger fires even for an insert of zero rows, and
-- every batch of finished jobs runs such an insert (waking orchestrations that received no event): each woke every
-- fetcher of every host for nothing.
create or replace function durable.notify_jobs() returns trigger language plpgsql as $$
begin
    if exists (select from inserted) then
        perform pg_notify('durable_jobs', '');
    end if;
    return null;
end $$;

drop trigger jobs_notify on durable.jobs;
create trigger jobs_notify after insert on durable.jobs
    referencing new table as inserted
    for each statement execute function durable.notify_jobs();
