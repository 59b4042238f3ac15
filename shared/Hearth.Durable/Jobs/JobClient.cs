using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Microsoft.Extensions.Options;

namespace Hearth.Durable.Jobs;

/// <summary>One job to enqueue.</summary>
public sealed record JobRequest(string Queue, object? Payload, EnqueueOptions? Options = null);

/// <summary>Result of an admin action on a job.</summary>
public enum JobActionResult
{
    Done,
    NotFound,
    /// <summary>The job is in a state (or of a kind) the action does not apply to.</summary>
    NotAllowed,
    /// <summary>Another unfinished job holds the same unique key.</summary>
    Conflict,
}

/// <summary>Enqueues jobs (inside the caller's transaction when given one) and manages them.</summary>
public interface IJobClient
{
    /// <summary>
    /// Enqueues a job for the function <paramref name="queue"/>. Inside <paramref name="transaction"/> the job exists iff
    /// that transaction commits. Returns the job id, or null when an unfinished job already holds the unique key.
    /// </summary>
    Task<long?> EnqueueAsync<T>(string queue, T payload, EnqueueOptions? options = null, NpgsqlTransaction? transaction = null, CancellationToken ct = default);

    /// <summary>Enqueues many jobs in one statement; returns how many were inserted (unique-key duplicates are skipped).</summary>
    Task<int> EnqueueManyAsync(IReadOnlyList<JobRequest> jobs, NpgsqlTransaction? transaction = null, CancellationToken ct = default);

    Task<JobInfo?> GetAsync(long id, CancellationToken ct = default);

    /// <summary>Jobs, newest first, with a cursor for the next page.</summary>
    Task<Page<JobInfo>> ListAsync(JobQuery query, CancellationToken ct = default);

    /// <summary>Counts of jobs by queue and state.</summary>
    Task<IReadOnlyList<JobCount>> CountAsync(CancellationToken ct = default);

    /// <summary>Counts of one owner's jobs by queue and state.</summary>
    Task<IReadOnlyList<JobCount>> CountForOwnerAsync(string owner, CancellationToken ct = default);

    /// <summary>Runs a dead or cancelled function job again from its first attempt.</summary>
    Task<JobActionResult> RetryAsync(long id, CancellationToken ct = default);

    /// <summary>Cancels an unfinished job. A cancelled activity is reported to its orchestration as failed.</summary>
    Task<JobActionResult> CancelAsync(long id, CancellationToken ct = default);
}

internal sealed class JobClient(NpgsqlDataSource db, DurableRegistry registry, IOptions<DurableOptions> options, TimeProvider time) : IJobClient
{
    public async Task<long?> EnqueueAsync<T>(string queue, T payload, EnqueueOptions? options = null, NpgsqlTransaction? transaction = null, CancellationToken ct = default)
    {
        var row = Prepare(new JobRequest(queue, payload, options), typeof(T));
        var command = new NpgsqlBatchCommand("""
            insert into durable.jobs (queue, kind, payload, run_at, max_attempts, retry, unique_key, owner, created_at)
            values (@queue, 0, @payload::jsonb, @run_at, @max_attempts, @retry::jsonb, @unique_key, @owner, @now)
            on conflict do nothing
            returning id
            """);
        command.Parameters.AddWithValue("queue", row.Queue);
        command.Parameters.AddWithValue("payload", row.Payload);
        command.Parameters.AddWithValue("run_at", row.RunAt);
        command.Parameters.AddWithValue("max_attempts", row.MaxAttempts);
        command.Parameters.Add(new NpgsqlParameter("retry", NpgsqlDbType.Text) { Value = (object?)row.Retry ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("unique_key", NpgsqlDbType.Text) { Value = (object?)row.UniqueKey ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("owner", NpgsqlDbType.Text) { Value = (object?)row.Owner ?? DBNull.Value });
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return (await JobInserts.ExecuteAsync(db, transaction, ct, command)).Scalar is long id ? id : null;
    }

    public async Task<int> EnqueueManyAsync(IReadOnlyList<JobRequest> jobs, NpgsqlTransaction? transaction = null, CancellationToken ct = default)
    {
        if (jobs.Count == 0) return 0;
        var rows = jobs.Select(j => Prepare(j, j.Payload?.GetType() ?? typeof(object))).ToList();
        var command = new NpgsqlBatchCommand("""
            insert into durable.jobs (queue, kind, payload, run_at, max_attempts, retry, unique_key, owner, created_at)
            select queue, 0, payload::jsonb, run_at, max_attempts, retry::jsonb, unique_key, owner, @now
            from unnest(@queues, @payloads, @run_ats, @max_attempts, @retries, @unique_keys, @owners)
                 as j(queue, payload, run_at, max_attempts, retry, unique_key, owner)
            on conflict do nothing
            """);
        command.Parameters.Add(new NpgsqlParameter("queues", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.Queue).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("payloads", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.Payload).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("run_ats", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = rows.Select(r => r.RunAt).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("max_attempts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = rows.Select(r => r.MaxAttempts).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("retries", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.Retry).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("unique_keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.UniqueKey).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("owners", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.Owner).ToArray() });
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return (await JobInserts.ExecuteAsync(db, transaction, ct, command)).Affected;
    }

    public async Task<JobInfo?> GetAsync(long id, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(SelectJob + " where id = @id");
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadJob(reader) : null;
    }

    public async Task<Page<JobInfo>> ListAsync(JobQuery query, CancellationToken ct = default)
    {
        var limit = Math.Clamp(query.Limit, 1, 500);
        await using var command = db.CreateCommand(SelectJob + """
             where (@state::text is null or state = @state)
               and (@queue::text is null or queue = @queue)
               and (@owner::text is null or owner = @owner)
               and (@before::bigint is null or id < @before)
             order by id desc
             limit @limit
            """);
        command.Parameters.Add(new NpgsqlParameter("state", NpgsqlDbType.Text) { Value = (object?)query.State?.ToSql() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("queue", NpgsqlDbType.Text) { Value = (object?)query.Queue ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("owner", NpgsqlDbType.Text) { Value = (object?)query.Owner ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Bigint) { Value = Cursors.ParseLong(query.Cursor) is { } before ? before : DBNull.Value });
        command.Parameters.AddWithValue("limit", limit + 1);
        var items = new List<JobInfo>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) items.Add(ReadJob(reader));
        var next = items.Count > limit ? items[limit - 1].Id : null;
        return new Page<JobInfo>(items.Take(limit).ToList(), next);
    }

    public Task<IReadOnlyList<JobCount>> CountAsync(CancellationToken ct = default) => CountWhereAsync(null, ct);

    public Task<IReadOnlyList<JobCount>> CountForOwnerAsync(string owner, CancellationToken ct = default) => CountWhereAsync(owner, ct);

    private async Task<IReadOnlyList<JobCount>> CountWhereAsync(string? owner, CancellationToken ct)
    {
        await using var command = db.CreateCommand(owner is null
            ? "select queue, state, count(*) from durable.jobs group by queue, state order by queue, state"
            : "select queue, state, count(*) from durable.jobs where owner = @owner group by queue, state order by queue, state");
        if (owner is not null) command.Parameters.AddWithValue("owner", owner);
        var counts = new List<JobCount>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            counts.Add(new JobCount(reader.GetString(0), JobStates.Parse(reader.GetString(1)), reader.GetInt64(2)));
        return counts;
    }

    public async Task<JobActionResult> RetryAsync(long id, CancellationToken ct = default)
    {
        var job = await GetAsync(id, ct);
        if (job is null) return JobActionResult.NotFound;
        if (job.Kind != JobKind.Function || job.State is not (JobState.Dead or JobState.Cancelled)) return JobActionResult.NotAllowed;
        await using var command = db.CreateCommand("""
            update durable.jobs set state = 'ready', attempt = 0, run_at = @now, finished_at = null, lease_owner = null, lease_expires_at = null
            where id = @id and state in ('dead', 'cancelled');
            select pg_notify('durable_jobs', '');
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        try
        {
            return await command.ExecuteNonQueryAsync(ct) > 0 ? JobActionResult.Done : JobActionResult.NotAllowed;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return JobActionResult.Conflict;
        }
    }

    public async Task<JobActionResult> CancelAsync(long id, CancellationToken ct = default)
    {
        var job = await GetAsync(id, ct);
        if (job is null) return JobActionResult.NotFound;
        if (job.Kind != JobKind.Function || job.State is not (JobState.Ready or JobState.Running)) return JobActionResult.NotAllowed;
        await using var command = db.CreateCommand("""
            update durable.jobs set state = 'cancelled', finished_at = @now, lease_owner = null, lease_expires_at = null,
                   last_error = 'Cancelled by an administrator.'
            where id = @id and state in ('ready', 'running')
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return await command.ExecuteNonQueryAsync(ct) > 0 ? JobActionResult.Done : JobActionResult.NotAllowed;
    }

    private const string SelectJob = """
        select id, queue, kind, state, attempt, max_attempts, run_at, created_at, started_at, finished_at, last_error, unique_key, owner, instance_id, payload::text
        from durable.jobs
        """;

    private static JobInfo ReadJob(NpgsqlDataReader reader) => new(
        reader.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture),
        reader.GetString(1),
        (JobKind)reader.GetInt16(2),
        JobStates.Parse(reader.GetString(3)),
        reader.GetInt32(4),
        reader.GetInt32(5),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.GetFieldValue<DateTimeOffset>(7),
        reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
        reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
        reader.IsDBNull(10) ? null : reader.GetString(10),
        reader.IsDBNull(11) ? null : reader.GetString(11),
        reader.IsDBNull(12) ? null : reader.GetString(12),
        reader.IsDBNull(13) ? null : reader.GetString(13),
        JsonDocument.Parse(reader.GetString(14)).RootElement.Clone());

    private PreparedJob Prepare(JobRequest request, Type payloadType)
    {
        if (string.IsNullOrWhiteSpace(request.Queue)) throw new ArgumentException("A job needs a queue (function) name.", nameof(request));
        var o = request.Options ?? new EnqueueOptions();
        var now = time.GetUtcNow();
        var policy = o.Retry?.Validate()
            ?? (registry.Handlers.TryGetValue(request.Queue, out var registration) ? registration.Retry : null)
            ?? options.Value.DefaultRetry;
        return new PreparedJob(
            request.Queue,
            JsonSerializer.Serialize(request.Payload, payloadType, DurableJson.Options),
            o.RunAt ?? (o.Delay is { } delay ? now + delay : now),
            policy.MaxNumberOfAttempts,
            o.Retry is null ? null : DurableJson.Serialize(o.Retry),
            o.UniqueKey,
            o.Owner);
    }

    private sealed record PreparedJob(string Queue, string Payload, DateTimeOffset RunAt, int MaxAttempts, string? Retry, string? UniqueKey, string? Owner);
}

/// <summary>Opaque cursors for keyset paging.</summary>
internal static class Cursors
{
    public static long? ParseLong(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        return long.TryParse(cursor, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidCursorException();
    }
}

/// <summary>A page cursor: the position text, base64url, so that it reads as opaque and travels in a query string.</summary>
public static class PageCursor
{
    public static string Encode(string position) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(position)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The position; null for the first page. Throws <see cref="InvalidCursorException"/> on text no <see cref="Encode"/> made.</summary>
    public static string? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            return new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(padded));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new InvalidCursorException();
        }
    }
}

/// <summary>A paging cursor that this API did not hand out.</summary>
public sealed class InvalidCursorException() : ArgumentException("The cursor is not one this API handed out; start from the first page.", "cursor");
