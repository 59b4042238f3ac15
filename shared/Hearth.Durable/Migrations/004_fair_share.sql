-- Fair share between owners (issue 18): the fetch takes ready jobs owner by owner (round-robin among the owners that have
-- due jobs, oldest head first), so one owner's backlog cannot hold another owner's work back. Jobs without an owner
-- (orchestrator steps, system work) form one group of their own.
create index jobs_ready_owner on durable.jobs ((coalesce(owner, '')), run_at, id) where state = 'ready';
