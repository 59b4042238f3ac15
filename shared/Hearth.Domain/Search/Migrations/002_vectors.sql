-- Re-embedding when the model changes, and vectors that follow the text (issue 14).
-- A collection switched to another model keeps its rows: vectors in rows whose seq is at or below vectors_from_seq were
-- made by the earlier model and are never read again (not loaded, not re-scored). The search.embed-vectors job embeds
-- those rows, and rows stored without a vector, in batches; each update takes a new seq, so it lands above the line.
alter table search.collections
    add column vectors_from_seq    bigint      not null default 0,
    -- Job chain guard: the batch the next search.embed-vectors job must carry; a duplicate or late job sees another and stops.
    add column vector_batch        int         not null default 0,
    add column reembed_from_model  text,
    add column reembed_started_at  timestamptz,
    add column reembed_finished_at timestamptz,
    add column reembed_done        bigint      not null default 0,
    add column reembed_error       text;

-- What the embedder reads when it is not the text (a skill section with its heading path), so a re-embedding reproduces
-- it. Null: the text. Empty: the document stays out of vector search.
alter table search.documents add column embedding_text text;

-- Live rows still waiting for a vector (imported text whose vectors follow, or written by a replica on another model).
create index documents_without_vector on search.documents (collection_id, key)
    where vector is null and not deleted and (embedding_text is null or embedding_text <> '');
