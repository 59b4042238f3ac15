-- Search collections and documents: the source of truth for the local hybrid index.
-- Each process keeps an in-memory index per collection and catches up on rows whose seq is above the last it saw.
create schema if not exists search;

create table search.collections (
    id              int generated always as identity primary key,
    name            text        not null unique,
    embedding_model text        not null,
    dimensions      int         not null check (dimensions between 1 and 16384),
    -- Bumped by a reindex: replicas holding another generation reload the collection.
    generation      int         not null default 1,
    -- Tombstones with seq at or below this were purged: a replica that last saw less must reload.
    purged_seq      bigint      not null default 0,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);

-- One change sequence for every upsert and delete. Writers of a collection hold its row lock while they take
-- values, so within a collection seq order is commit order and "seq > last seen" never skips a row.
-- Keep the default CACHE 1: cached ranges per session would break that order.
create sequence search.change_seq;

create table search.documents (
    collection_id int         not null references search.collections (id) on delete cascade,
    owner         text        not null,
    id            text        not null,
    -- Stable surrogate for the in-memory index (survives updates, deletes and revivals of the same owner/id).
    key           bigint      generated always as identity,
    seq           bigint      not null,
    deleted       boolean     not null default false,
    text          text,
    -- float32 little-endian, dimensions × 4 bytes; null when the document has no vector (or is deleted).
    vector        bytea,
    agent         text,
    session       text,
    domain        text,
    kind          text,
    source        text,
    created_at    timestamptz not null,
    tags          text[]      not null default '{}',
    updated_at    timestamptz not null default now(),
    primary key (collection_id, owner, id),
    check (deleted or text is not null)
);

-- Vectors do not compress: never try, and keep rows up to a page inline so re-scoring reads no TOAST.
alter table search.documents alter column vector set storage external;
alter table search.documents set (toast_tuple_target = 8160);

create unique index documents_key on search.documents (key);
create unique index documents_changes on search.documents (collection_id, seq);
create index documents_tombstones on search.documents (collection_id, updated_at) where deleted;
