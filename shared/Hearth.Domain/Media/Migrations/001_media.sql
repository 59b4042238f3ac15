-- Media: pictures kept on disk (a local folder, an Azure Files mount in the cloud); their metadata here so that
-- ownership checks and listings never touch the file system.
create schema if not exists media;

create table media.items (
    id           text        primary key,
    owner        text        not null,
    content_type text        not null,
    size_bytes   bigint      not null check (size_bytes > 0),
    sha256       text        not null,
    created_at   timestamptz not null default now()
);

create index items_owner_created on media.items (owner, created_at desc);

-- Server secrets generated on first use and shared by every replica (media URL signing, webhook job tokens),
-- for deployments that do not set them in configuration.
create table media.secret_keys (
    name       text        primary key,
    key        bytea       not null check (octet_length(key) >= 32),
    created_at timestamptz not null default now()
);
