-- Users, created on first sight of a token subject. Every owned row elsewhere carries users.id.
create schema if not exists identity;

create table identity.users (
    id           uuid        primary key default gen_random_uuid(),
    subject      text        not null unique,            -- the token's `sub` (dev tokens: 'dev', 'dev:<name>')
    display_name text        not null,
    is_admin     boolean     not null default false,     -- as of the user's latest token
    time_zone    text        not null default 'UTC',     -- IANA name; quiet hours and schedules use it
    created_at   timestamptz not null default now(),
    check (length(subject) between 1 and 255),
    check (length(display_name) between 1 and 200)
);
