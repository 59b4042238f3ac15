-- Fair share between owners (issue 18): every waiting event and activity call carries the owner of its instance, and
-- the worker's fetches take ready work owner by owner instead of oldest first, so one owner's backlog cannot hold
-- another owner's orchestrations and activities back. The empty owner is the system's work (instances started without
-- an owner), one group of its own.
alter table durabletask.new_events add column owner text not null default '';
alter table durabletask.new_tasks add column owner text not null default '';

update durabletask.new_events e set owner = i.owner
from durabletask.instances i where i.instance_id = e.instance_id and i.owner is not null;
update durabletask.new_tasks t set owner = i.owner
from durabletask.instances i where i.instance_id = t.instance_id and i.owner is not null;

-- The owners with ready rows are found by a loose index scan (one probe per owner), and each owner's oldest rows by
-- the same index.
create index new_events_by_owner on durabletask.new_events (owner, visible_at, id);
create index new_tasks_by_owner on durabletask.new_tasks (owner, visible_at, id);
