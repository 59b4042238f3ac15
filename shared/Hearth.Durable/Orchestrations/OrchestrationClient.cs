using System.Text;
using System.Text.Json;
using Hearth.Durable.Jobs;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Durable.Orchestrations;

/// <summary>Result of a purge.</summary>
public enum PurgeResult { Purged, NotFound, NotFinished }

/// <summary>Service keys of the orchestration engines' own clients.</summary>
public static class OrchestrationEngines
{
    /// <summary>The state-machine engine of this library (<see cref="Orchestration{TInput, TState, TOutput}"/>).</summary>
    public const string StateMachine = "state-machine";
}

/// <summary>
/// Starts and manages orchestration instances: start (optionally inside the caller's transaction), status, list,
/// raise event, terminate, purge, wait. Passing an <c>owner</c> restricts every call to that user's instances.
/// </summary>
public interface IOrchestrationClient
{
    Task<StartResult> StartAsync<TInput>(string type, TInput input, StartOptions? options = null, NpgsqlTransaction? transaction = null, CancellationToken ct = default);

    Task<StartResult> StartAsync<TOrchestration, TInput>(TInput input, StartOptions? options = null, NpgsqlTransaction? transaction = null, CancellationToken ct = default)
        where TOrchestration : IOrchestration;

    Task<OrchestrationStatus?> GetAsync(string instanceId, string? owner = null, CancellationToken ct = default);

    Task<Page<OrchestrationStatus>> ListAsync(OrchestrationQuery query, CancellationToken ct = default);

    /// <summary>Raises an external event; false when the instance does not exist (for this owner) or has finished.</summary>
    Task<bool> RaiseEventAsync(string instanceId, string name, object? data, string? owner = null, CancellationToken ct = default);

    /// <summary>Terminates an unfinished instance; false when it does not exist or has finished.</summary>
    Task<bool> TerminateAsync(string instanceId, string reason, string? owner = null, CancellationToken ct = default);

    /// <summary>Deletes a finished instance and everything it left behind.</summary>
    Task<PurgeResult> PurgeAsync(string instanceId, string? owner = null, CancellationToken ct = default);

    /// <summary>Waits until the instance is finished or the timeout passes; returns its latest status.</summary>
    Task<OrchestrationStatus?> WaitForCompletionAsync(string instanceId, TimeSpan timeout, CancellationToken ct = default);
}

internal sealed class OrchestrationClient(NpgsqlDataSource db, DurableRegistry registry, JobNotifier notifier, TimeProvider time) : IOrchestrationClient
{
    public Task<StartResult> StartAsync<TOrchestration, TInput>(TInput input, StartOptions? options = null, NpgsqlTransaction? transaction = null, CancellationToken ct = default)
        where TOrchestration : IOrchestration =>
        StartAsync(registry.NameOf(typeof(TOrchestration)), input, options, transaction, ct);

    public async Task<StartResult> StartAsync<TInput>(string type, TInput input, StartOptions? options = null, NpgsqlTransaction? transaction = null, CancellationToken ct = default)
    {
        if (!registry.Orchestrations.ContainsKey(type))
            throw new ArgumentException($"No orchestration named '{type}' is registered.", nameof(type));
        options ??= new StartOptions();
        var id = options.InstanceId ?? Guid.NewGuid().ToString("N");
        if (id.Length is 0 or > 200) throw new ArgumentException("An instance id is 1-200 characters.", nameof(options));
        var now = time.GetUtcNow();

        var commands = new List<NpgsqlBatchCommand>();
        if (options.ReplaceFinished)
            commands.Add(Command("""
                with gone as (delete from durable.instances where id = @id and status in ('Completed', 'Failed', 'Terminated') returning id)
                delete from durable.events where instance_id in (select id from gone)
                """, ("id", id)));
        commands.Add(Command("""
            with created as (
                insert into durable.instances (id, type, status, owner, input, created_at, updated_at)
                values (@id, @type, 'Pending', @owner, @input::jsonb, @now, @now)
                on conflict (id) do nothing
                returning id
            ),
            started as (
                insert into durable.events (instance_id, kind, created_at) select id, 'started', @now from created returning instance_id
            )
            insert into durable.jobs (queue, kind, max_attempts, retry, instance_id, owner, run_at, created_at)
            select '$orchestrator', 3, 10, '{"maxNumberOfAttempts":10,"firstRetryInterval":"00:00:00.5","backoffCoefficient":2,"maxRetryInterval":"00:00:30"}'::jsonb, instance_id, @owner, @now, @now
            from started
            """, ("id", id), ("type", type), ("owner", (object?)options.Owner), ("input", DurableJson.Serialize(input)), ("now", now)));
        var (_, affected) = await JobInserts.ExecuteAsync(db, transaction, ct, [.. commands]);
        return new StartResult(id, affected > 0);
    }

    public async Task<OrchestrationStatus?> GetAsync(string instanceId, string? owner = null, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(SelectStatus + " where id = @id and (@owner::text is null or owner = @owner)");
        command.Parameters.AddWithValue("id", instanceId);
        command.Parameters.Add(new NpgsqlParameter("owner", NpgsqlDbType.Text) { Value = (object?)owner ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    public async Task<Page<OrchestrationStatus>> ListAsync(OrchestrationQuery query, CancellationToken ct = default)
    {
        var limit = Math.Clamp(query.Limit, 1, 500);
        var after = OrchestrationCursor.Parse(query.Cursor);
        var (afterTime, afterId) = (after?.CreatedAt, after?.InstanceId);
        await using var command = db.CreateCommand(SelectStatus + """
             where (@type::text is null or type = @type)
               and (@status::text is null or status = @status)
               and (@owner::text is null or owner = @owner)
               and (@after_time::timestamptz is null or (created_at, id) < (@after_time, @after_id))
             order by created_at desc, id desc
             limit @limit
            """);
        command.Parameters.Add(new NpgsqlParameter("type", NpgsqlDbType.Text) { Value = (object?)query.Type ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = (object?)query.Status?.ToString() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("owner", NpgsqlDbType.Text) { Value = (object?)query.Owner ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("after_time", NpgsqlDbType.TimestampTz) { Value = afterTime is { } t ? t : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("after_id", NpgsqlDbType.Text) { Value = (object?)afterId ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit + 1);
        var items = new List<OrchestrationStatus>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) items.Add(Read(reader));
        string? next = null;
        if (items.Count > limit)
        {
            var last = items[limit - 1];
            next = OrchestrationCursor.Encode(last.CreatedAt, last.InstanceId);
        }
        return new Page<OrchestrationStatus>(items.Take(limit).ToList(), next);
    }

    public Task<bool> RaiseEventAsync(string instanceId, string name, object? data, string? owner = null, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200) throw new ArgumentException("An event name is 1-200 characters.", nameof(name));
        return AddEventAsync(instanceId, "event_raised", name, DurableJson.Serialize(data), owner, ct);
    }

    public Task<bool> TerminateAsync(string instanceId, string reason, string? owner = null, CancellationToken ct = default) =>
        AddEventAsync(instanceId, "terminate", reason, null, owner, ct);

    private async Task<bool> AddEventAsync(string instanceId, string kind, string? name, string? payload, string? owner, CancellationToken ct)
    {
        var command = new NpgsqlBatchCommand("""
            with target as (
                select id from durable.instances
                where id = @id and status not in ('Completed', 'Failed', 'Terminated') and (@owner::text is null or owner = @owner)
            ),
            ev as (
                insert into durable.events (instance_id, kind, name, payload, created_at)
                select id, @kind, @name, @payload::jsonb, @now from target
                returning instance_id
            )
            """ + JobStore.WakeInstances + " select count(*)::int from ev");
        command.Parameters.AddWithValue("id", instanceId);
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.Add(new NpgsqlParameter("name", NpgsqlDbType.Text) { Value = (object?)name ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("payload", NpgsqlDbType.Text) { Value = (object?)payload ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("owner", NpgsqlDbType.Text) { Value = (object?)owner ?? DBNull.Value });
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return (int)(await JobInserts.ExecuteAsync(db, null, ct, command)).Scalar! > 0;
    }

    public async Task<PurgeResult> PurgeAsync(string instanceId, string? owner = null, CancellationToken ct = default)
    {
        var status = await GetAsync(instanceId, owner, ct);
        if (status is null) return PurgeResult.NotFound;
        if (!status.IsFinished) return PurgeResult.NotFinished;
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Command("delete from durable.instances where id = @id and status in ('Completed', 'Failed', 'Terminated')", ("id", instanceId)));
        batch.BatchCommands.Add(Command("delete from durable.events where instance_id = @id", ("id", instanceId)));
        batch.BatchCommands.Add(Command("delete from durable.backlog where instance_id = @id", ("id", instanceId)));
        await batch.ExecuteNonQueryAsync(ct);
        return batch.BatchCommands[0].RecordsAffected > 0 ? PurgeResult.Purged : PurgeResult.NotFound;
    }

    public async Task<OrchestrationStatus?> WaitForCompletionAsync(string instanceId, TimeSpan timeout, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var poll = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var signal = notifier.NextInstanceSignal;
            var status = await GetAsync(instanceId, null, ct);
            if (status is null || status.IsFinished || cts.IsCancellationRequested) return status;
            try
            {
                await Task.WhenAny(signal, Task.Delay(poll, cts.Token)).WaitAsync(cts.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return await GetAsync(instanceId, null, ct);
            }
            if (poll < TimeSpan.FromMilliseconds(500)) poll *= 2;
        }
    }

    private const string SelectStatus = """
        select id, type, status, owner, input::text, custom_status::text, output::text, error, created_at, updated_at, completed_at
        from durable.instances
        """;

    private static OrchestrationStatus Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        Enum.Parse<OrchestrationRuntimeStatus>(reader.GetString(2)),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        Json(reader, 4),
        Json(reader, 5),
        Json(reader, 6),
        reader.IsDBNull(7) ? null : reader.GetString(7),
        reader.GetFieldValue<DateTimeOffset>(8),
        reader.GetFieldValue<DateTimeOffset>(9),
        reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10));

    private static JsonElement? Json(NpgsqlDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal)) return null;
        using var document = JsonDocument.Parse(reader.GetString(ordinal));
        return document.RootElement.Clone();
    }


    private static NpgsqlBatchCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
            command.Parameters.Add(value is null ? new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = DBNull.Value } : new NpgsqlParameter(name, value));
        return command;
    }
}
