-- Whether each file is searchable: the version the search index holds (null until indexed, so files stored before
-- this column existed are indexed again the next time a run touches them) and, when indexing failed, why.
alter table skills.files add column if not exists indexed_version int;
alter table skills.files add column if not exists index_error text;


