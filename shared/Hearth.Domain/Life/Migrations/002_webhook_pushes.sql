-- One row per notification pushed to the user's webhook. The pushing transaction claims the row before it sends and
-- commits it after a 2xx, so a second run of the same push job (a lease rescued from a slow worker, a retry after a
-- lost acknowledgement) either waits for the first and sends nothing, or sends when the first failed.
create table life.webhook_pushes (
    notification_id uuid        primary key references life.notifications (id) on delete cascade,
    pushed_at       timestamptz not null
);
