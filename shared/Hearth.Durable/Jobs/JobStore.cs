using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Durable.Jobs;

/// <summary>
/// The worker's statements: fetch a batch with SKIP LOCKED, finish batches, heartbeat, hand back, rescue, prune.
/// </summary>
internal sealed class JobStore(NpgsqlDataSource db)
{

    /// <summary>The most owners one fetch looks at (a loose index scan over the ready jobs' owners; beyond it, key order).</summary>
    internal const int MaxOwnersPerFetch = 256;

    // Fair share (issue 18): the owners with due jobs are found by a loose index scan (one index probe per owner), each
    // gets an equal share of the batch, and a share's jobs go oldest first; when there are more owners than slots, the
    // owners whose next job is oldest go first. One owner's thousands of ready jobs therefore delay another owner's job
    // by at most one batch per owner ahead of it, not by the whole backlog. With one owner this is the old fetch.
    private static readonly string FetchSql = $"""
        with recursive owners (k, n) as (
            (select coalesce(owner, ''), 1 from durable.jobs
             where state = 'ready' and run_at <= @now
             order by coalesce(owner, '') limit 1)
            union all
            select (select coalesce(j.owner, '') from durable.jobs j
                    where j.state = 'ready' and j.run_at <= @now and coalesce(j.owner, '') > o.k
                    order by coalesce(j.owner, '') limit 1), o.n + 1
            from owners o
            where o.k is not null and o.n < {MaxOwnersPerFetch}
        ),
        active as (select k from owners where k is not null),
        share as (select greatest(1, ceil(@limit::numeric / greatest(count(*), 1)))::int as per from active),
        candidates as (
            select c.id, c.run_at, row_number() over (partition by a.k order by c.run_at, c.id) as turn
            from active a
            cross join lateral (
                select j.id, j.run_at from durable.jobs j
                where j.state = 'ready' and coalesce(j.owner, '') = a.k and j.run_at <= @now and j.queue = any(@queues)
                order by j.run_at, j.id
                limit (select per from share)
                for update skip locked
            ) c
        ),
        next as (
            select id from candidates order by turn, run_at, id limit @limit
        )
        update durable.jobs j
        set state = 'running', attempt = j.attempt + 1, lease_owner = @worker, lease_expires_at = @expires, started_at = @now
        from next where j.id = next.id
        returning j.id, j.queue, j.kind, j.payload::text, j.attempt, j.max_attempts, j.retry::text, j.owner, j.instance_id, j.call_id, j.created_at
        """;

    public Task<List<JobRecord>> FetchAsync(string[] queues, int limit, string worker, TimeSpan lease, DateTimeOffset now, CancellationToken ct) =>
        FinishAndFetchAsync([], queues, limit, worker, lease, now, ct);

    /// <summary>
    /// Records finished jobs and fetches the next batch in one round trip (one implicit transaction); either part may be
    /// empty. Returns the fetched jobs, leased to <paramref name="worker"/>.
    /// </summary>
    public async Task<List<JobRecord>> FinishAndFetchAsync(IReadOnlyList<JobOutcome> outcomes, string[] queues, int limit, string worker, TimeSpan lease,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var batch = Bookkeeping.Batch(db);
        AddFinish(batch, outcomes, worker, now);
        var jobs = new List<JobRecord>(limit);
        if (limit <= 0)
        {
            if (batch.BatchCommands.Count > 1) await batch.ExecuteNonQueryAsync(ct);
            return jobs;
        }
        // A queue's statistics are stale after every burst. Left alone, the planner may pick a bitmap scan that sorts
        // every ready job to return the first few (measured: 17 ms for 20,000 ready jobs instead of 0.2 ms); the fetch
        // walks the (run_at, id) index whatever the statistics say (the batch already turns off seq and bitmap scans).
        // The fair-share fetch sorts its few candidates anyway; with sorts "off" its cost crosses jit_above_cost, and
        // compiling it would take 0.5 s per fetch (measured): no JIT for this statement.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("select set_config('enable_sort', 'off', true), set_config('jit', 'off', true)"));
        var fetch = new NpgsqlBatchCommand(FetchSql);
        fetch.Parameters.AddWithValue("now", now);
        fetch.Parameters.AddWithValue("queues", queues);
        fetch.Parameters.AddWithValue("limit", limit);
        fetch.Parameters.AddWithValue("worker", worker);
        fetch.Parameters.AddWithValue("expires", now + lease);
        batch.BatchCommands.Add(fetch);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        for (var skip = batch.BatchCommands.Count - 1; skip > 0; skip--)
            await reader.NextResultAsync(ct); // past the commit setting and the finish statements
        while (await reader.ReadAsync(ct))
        {
            jobs.Add(new JobRecord(
                reader.GetInt64(0),
                reader.GetString(1),
                (JobKind)reader.GetInt16(2),
                ParseJson(reader.GetString(3)),
                reader.GetInt32(4),
                reader.GetInt32(5),
                reader.IsDBNull(6) ? null : DurableJson.Deserialize<RetryPolicy>(reader.GetString(6)),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.GetFieldValue<DateTimeOffset>(10)));
        }
        return jobs;
    }

    /// <summary>The earliest run_at of a ready job that is not due yet, to sleep until then.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(string[] queues, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "select min(run_at) from durable.jobs where state = 'ready' and run_at > @now and queue = any(@queues)");
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("queues", queues);
        var value = await command.ExecuteScalarAsync(ct);
        return value is DateTime dt ? new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)) : null;
    }

    /// <summary>Adds the statements that mark finished jobs (successes, retries, deaths) to a batch.</summary>
    private static void AddFinish(NpgsqlBatch batch, IReadOnlyList<JobOutcome> outcomes, string worker, DateTimeOffset now)
    {
        if (outcomes.Count == 0) return;
        var succeeded = outcomes.Where(o => o.Error is null).ToList();
        var failed = outcomes.Where(o => o.Error is not null).ToList();
        if (succeeded.Count > 0)
        {
            // Each finish statement answers a count, so the fetch's rows are the batch's last result.
            var command = new NpgsqlBatchCommand("""
                with done as (
                    update durable.jobs
                    set state = 'succeeded', finished_at = @now, lease_owner = null, lease_expires_at = null
                    where id = any(@ids) and state = 'running' and lease_owner = @worker
                    returning 1
                )
                select count(*) from done
                """);
            command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = succeeded.Select(o => o.JobId).ToArray() });
            command.Parameters.AddWithValue("now", now);
            command.Parameters.AddWithValue("worker", worker);
            batch.BatchCommands.Add(command);
        }
        if (failed.Count > 0)
        {
            var command = new NpgsqlBatchCommand("""
                with r as (select * from unnest(@ids, @errors, @retry_at, @dead) as r(id, error, retry_at, dead)),
                done as (
                    update durable.jobs j
                    set state = case when r.dead then 'dead' else 'ready' end,
                        run_at = case when r.dead then j.run_at else r.retry_at end,
                        finished_at = case when r.dead then @now end,
                        last_error = r.error, lease_owner = null, lease_expires_at = null
                    from r where j.id = r.id and j.state = 'running' and j.lease_owner = @worker
                    returning 1
                )
                select count(*) from done
                """);
            command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = failed.Select(o => o.JobId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("errors", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = failed.Select(o => o.Error).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("retry_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = failed.Select(o => o.RetryAt ?? now).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("dead", NpgsqlDbType.Array | NpgsqlDbType.Boolean) { Value = failed.Select(o => o.Dead).ToArray() });
            command.Parameters.AddWithValue("now", now);
            command.Parameters.AddWithValue("worker", worker);
            batch.BatchCommands.Add(command);
        }
    }

    /// <summary>Extends the leases of jobs this worker still runs.</summary>
    public async Task<int> HeartbeatAsync(long[] ids, string worker, DateTimeOffset expires, CancellationToken ct)
    {
        await using var batch = Bookkeeping.Single(db,
            "update durable.jobs set lease_expires_at = @expires where id = any(@ids) and state = 'running' and lease_owner = @worker", out var command);
        command.Parameters.AddWithValue("expires", expires);
        command.Parameters.AddWithValue("ids", ids);
        command.Parameters.AddWithValue("worker", worker);
        await batch.ExecuteNonQueryAsync(ct);
        return command.RecordsAffected;
    }

    /// <summary>Gives jobs back without using up an attempt (shutdown before they could finish).</summary>
    public async Task ReleaseAsync(long[] ids, string worker, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            update durable.jobs set state = 'ready', attempt = greatest(attempt - 1, 0), run_at = @now, lease_owner = null, lease_expires_at = null
            where id = any(@ids) and state = 'running' and lease_owner = @worker;
            select pg_notify('durable_jobs', '');
            """);
        command.Parameters.AddWithValue("ids", ids);
        command.Parameters.AddWithValue("worker", worker);
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Jobs whose lease expired (their worker died): back to ready, or dead after their last attempt.</summary>
    public async Task<int> RescueAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var batch = Bookkeeping.Single(db, """
            with expired as (
                select id from durable.jobs
                where state = 'running' and lease_expires_at < @now
                limit 1000
                for update skip locked
            ),
            done as (
                update durable.jobs j
                set state = case when j.attempt >= j.max_attempts then 'dead' else 'ready' end,
                    run_at = @now,
                    finished_at = case when j.attempt >= j.max_attempts then @now end,
                    last_error = 'Lease expired: worker ' || coalesce(j.lease_owner, '?') || ' stopped during attempt ' || j.attempt || '.',
                    lease_owner = null, lease_expires_at = null
                from expired where j.id = expired.id
                returning 1
            )
            select count(*)::int from done
            """, out var command);
        command.Parameters.AddWithValue("now", now);
        int rescued;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            await reader.NextResultAsync(ct);
            await reader.ReadAsync(ct);
            rescued = reader.GetInt32(0);
        }
        if (rescued > 0)
        {
            // Rescued jobs are ready now: wake the fetchers instead of waiting for their next poll.
            await using var notify = db.CreateCommand("select pg_notify('durable_jobs', '')");
            await notify.ExecuteNonQueryAsync(ct);
        }
        return rescued;
    }

    /// <summary>Deletes finished jobs past their retention, a bounded number per call.</summary>
    public async Task<int> PruneAsync(DateTimeOffset succeededBefore, DateTimeOffset deadBefore, CancellationToken ct)
    {
        await using var batch = Bookkeeping.Single(db, """
            delete from durable.jobs where id in (
                select id from durable.jobs
                where (state in ('succeeded', 'cancelled') and finished_at < @succeeded_before)
                   or (state = 'dead' and finished_at < @dead_before)
                limit 10000)
            """, out var command);
        command.Parameters.AddWithValue("succeeded_before", succeededBefore);
        command.Parameters.AddWithValue("dead_before", deadBefore);
        await batch.ExecuteNonQueryAsync(ct);
        return command.RecordsAffected;
    }

    private static JsonElement ParseJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

/// <summary>How one execution ended: success (no error) or an error with the retry decision.</summary>
internal sealed record JobOutcome(long JobId, string? Error, bool Dead, DateTimeOffset? RetryAt);
