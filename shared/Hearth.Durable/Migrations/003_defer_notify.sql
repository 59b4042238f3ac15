-- A NOTIFY makes PostgreSQL serialise the commits of notifying transactions, WAL flush included (a global lock held
-- until after commit). Business transactions that enqueue work (a chat turn) would queue behind each other's fsync.
-- They set durable.defer_notify for themselves and notify right after committing, in a transaction that writes nothing.
create or replace function durable.notify_jobs() returns trigger language plpgsql as $$
begin
    if coalesce(current_setting('durable.defer_notify', true), '') <> 'on' and exists (select from inserted) then
        perform pg_notify('durable_jobs', '');
    end if;
    return null;
end $$;
