-- The skill library: files split into sections, every change a new immutable version, bytes stored once per hash.
create schema if not exists skills;

-- Exact bytes of file versions, once per owner and SHA-256. Versions and sections point into them (sections by
-- offset and length), so history costs a row per version, not a copy, and re-ingesting unchanged bytes writes nothing.
create table skills.blobs (
    owner      text        not null,
    sha256     text        not null,
    length     int         not null,
    content    bytea       not null,
    created_at timestamptz not null default now(),
    primary key (owner, sha256),
    check (length = octet_length(content))
);

-- One row per library file: where its current version is. The id is derived from (owner, path).
create table skills.files (
    id            text        not null primary key,
    owner         text        not null,
    path          text        not null,
    type          text        not null,
    format        text        not null,
    version       int         not null,
    sha256        text        not null,
    length        int         not null,
    section_count int         not null,
    -- The frontmatter's name (skills, agents, styles), for compose's unique-name rule.
    name          text,
    created_at    timestamptz not null,
    updated_at    timestamptz not null,
    unique (owner, path)
);
create index files_owner_type on skills.files (owner, type, path);
create index files_owner_name on skills.files (owner, name) where name is not null;

-- Every ingest of changed bytes: immutable once written.
create table skills.versions (
    file_id       text        not null references skills.files (id) on delete cascade,
    version       int         not null,
    owner         text        not null,
    path          text        not null,
    sha256        text        not null,
    length        int         not null,
    type          text        not null,
    format        text        not null,
    section_count int         not null,
    -- upload | ingest | compose | checkin | section
    source        text        not null,
    run_id        text,
    frontmatter   jsonb       not null default '{}',
    warnings      jsonb       not null default '[]',
    created_at    timestamptz not null,
    primary key (file_id, version)
);

-- The sections of each version, in order. A section's id is derived from (owner, path, key): it is the same in every
-- version where its key survives. Content is the version's blob from byte_offset for length bytes.
create table skills.sections (
    file_id       text not null,
    version       int  not null,
    ord           int  not null,
    id            text not null,
    owner         text not null,
    key           text not null,
    parent_id     text,
    depth         int  not null,
    heading_level int  not null,
    kind          text not null,
    title         text not null,
    byte_offset   int  not null,
    length        int  not null,
    start_line    int  not null,
    end_line      int  not null,
    sha256        text not null,
    -- First ord after this section's subtree (its descendants follow it contiguously), and the subtree's byte length.
    subtree_end   int  not null,
    subtree_bytes int  not null,
    primary key (file_id, version, ord),
    unique (file_id, version, id),
    foreign key (file_id, version) references skills.versions (file_id, version) on delete cascade
);
create index sections_id on skills.sections (id);

-- Bulk ingest runs: one row per run, one per file in it (what was uploaded, and what became of it).
create table skills.runs (
    id          text        not null primary key,
    owner       text        not null,
    status      text        not null,
    total       int         not null,
    source      text        not null,
    created_at  timestamptz not null,
    finished_at timestamptz,
    report      jsonb
);
create index runs_owner on skills.runs (owner, created_at desc);

create table skills.run_files (
    run_id      text        not null references skills.runs (id) on delete cascade,
    ord         int         not null,
    owner       text        not null,
    path        text        not null,
    sha256      text        not null,
    length      int         not null,
    -- pending | created | updated | unchanged | failed
    status      text        not null default 'pending',
    file_id     text,
    version     int,
    sections    int,
    attempts    int         not null default 0,
    warnings    jsonb,
    error       text,
    finished_at timestamptz,
    primary key (run_id, ord),
    unique (run_id, path)
);

-- Files and sections written to the checkout folder, and what became of them.
create table skills.checkouts (
    id                 text        not null primary key,
    owner              text        not null,
    path               text        not null,
    file_id            text        not null,
    section_id         text,
    base_version       int         not null,
    -- SHA-256 of the bytes written to the folder (the file, or the section).
    written_sha256     text        not null,
    -- active | checked_in | replaced
    status             text        not null,
    created_at         timestamptz not null,
    closed_at          timestamptz,
    checked_in_version int
);
create unique index checkouts_active on skills.checkouts (owner, path) where status = 'active';
create index checkouts_owner on skills.checkouts (owner, created_at desc);
