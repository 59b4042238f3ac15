-- Test only (Testing:EnableProbeFunctions): completions of the probe function, read by the host's end-to-end tests.
create schema if not exists testing;

create table testing.probe_runs (
    id          text        primary key,
    job_id      bigint      not null,
    finished_at timestamptz not null default now()
);
