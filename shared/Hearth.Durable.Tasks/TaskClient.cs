using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Npgsql;

namespace Hearth.Durable.Tasks;

/// <summary>How to start an orchestration.</summary>
/// <param name="InstanceId">Caller-chosen id (singletons, idempotent starts); a new GUID when null.</param>
/// <param name="Owner">Who may see and manage the instance through the API; null for the system's own.</param>
/// <param name="ReplaceFinished">Start anew over a finished instance with this id instead of answering "already exists".</param>
/// <param name="StartAt">Start no earlier than this time.</param>
public sealed record StartTaskOptions(string? InstanceId = null, string? Owner = null, bool ReplaceFinished = false, DateTimeOffset? StartAt = null);

/// <summary>A filter for <see cref="TaskClient.ListAsync"/>: every field optional; <see cref="After"/> continues a listing after that instance;
/// <see cref="Waiting"/> keeps only instances that do (true) or do not (false) wait with nothing in flight.</summary>
public sealed record TaskQuery(
    string? Name = null,
    IReadOnlyList<OrchestrationStatus>? Statuses = null,
    string? Owner = null,
    (DateTimeOffset CreatedAt, string InstanceId)? After = null,
    int Limit = 50,
    bool? Waiting = null);

/// <summary>The answer to a start: the instance id, and whether this call created it (false: it already existed).</summary>
public sealed record StartResult(string InstanceId, bool Created);

/// <summary>An orchestration instance as stored: status, progress (custom status), output or failure.</summary>
public sealed record TaskInstance(
    string InstanceId,
    string Name,
    OrchestrationStatus Status,
    string? SerializedInput,
    string? SerializedOutput,
    string? SerializedCustomStatus,
    FailureDetails? Failure,
    string? ParentInstanceId,
    string? Owner,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt)
{
    /// <summary>Running with nothing in flight (no activity call, sub-orchestration or timer): it only waits for an external event.</summary>
    public bool IsWaiting { get; init; }

    /// <summary>Completed, failed or terminated: nothing more will happen to it.</summary>
    public bool IsFinished => Status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled;
}

/// <summary>
/// Starts and manages orchestrations on the PostgreSQL task store, with what Hearth needs beyond Microsoft's client:
/// a start inside the caller's <see cref="NpgsqlTransaction"/> (the instance exists if and only if the business write
/// commits), idempotent starts by instance id, and owner scoping (calls with an owner see only that owner's instances).
/// </summary>
public sealed class TaskClient(PostgresOrchestrationService store, NpgsqlDataSource db, DataConverter converter)
{
    private static readonly string[] FinishedStatuses = ["Completed", "Failed", "Terminated", "Canceled"];

    /// <summary>The converter inputs, outputs and event payloads are serialized with (the worker's).</summary>
    public DataConverter Converter => converter;

    /// <summary>
    /// Starts <paramref name="orchestrator"/> with <paramref name="input"/>. In <paramref name="transaction"/> when
    /// given. A second start with the same instance id is not an error: it answers <c>Created = false</c>.
    /// </summary>
    public async Task<StartResult> StartAsync(TaskName orchestrator, object? input, StartTaskOptions? options = null,
        NpgsqlTransaction? transaction = null, CancellationToken ct = default)
    {
        options ??= new StartTaskOptions();
        var instance = new OrchestrationInstance
        {
            InstanceId = options.InstanceId ?? Guid.NewGuid().ToString("N"),
            ExecutionId = Guid.NewGuid().ToString("N"),
        };
        var start = new ExecutionStartedEvent(-1, converter.Serialize(input))
        {
            Name = orchestrator.Name,
            Version = string.Empty,
            OrchestrationInstance = instance,
            ScheduledStartTime = options.StartAt?.UtcDateTime,
        };
        var message = new TaskMessage { OrchestrationInstance = instance, Event = start };
        var replaceable = options.ReplaceFinished ? FinishedStatuses : [];
        bool created;
        if (transaction is not null)
        {
            created = await store.CreateAsync(transaction.Connection!, transaction, message, options.Owner, replaceable, ct);
        }
        else
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            created = await store.CreateAsync(connection, tx, message, options.Owner, replaceable, ct);
            await tx.CommitAsync(ct);
        }
        return new StartResult(instance.InstanceId, created);
    }

    /// <summary>The instance, or null when it does not exist or belongs to another owner.</summary>
    public async Task<TaskInstance?> GetAsync(string instanceId, string? owner = null, CancellationToken ct = default)
    {
        await using var read = db.CreateCommand(
            $"select {PostgresOrchestrationService.StateColumns} from durabletask.instances where instance_id = $1 and ($2::text is null or owner = $2)");
        PostgresOrchestrationService.AddParameters(read, instanceId, owner);
        await using var reader = await read.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadInstance(reader) : null;
    }

    /// <summary>Instances newest first (creation time, then id, both descending), filtered as <paramref name="query"/> says.</summary>
    public async Task<IReadOnlyList<TaskInstance>> ListAsync(TaskQuery query, CancellationToken ct = default)
    {
        await using var read = db.CreateCommand($"""
            select {PostgresOrchestrationService.StateColumns} from durabletask.instances
            where ($1::text is null or name = $1)
              and ($2::text[] is null or status = any($2::text[]))
              and ($3::text is null or owner = $3)
              and ($4::timestamptz is null or (created_at, instance_id) < ($4::timestamptz, $5::text))
              and ($7::boolean is null or waiting = $7)
            order by created_at desc, instance_id desc
            limit $6
            """);
        PostgresOrchestrationService.AddParameters(read, query.Name, query.Statuses?.Select(s => s.ToString()).ToArray(), query.Owner,
            query.After?.CreatedAt, query.After?.InstanceId, Math.Max(1, query.Limit));
        read.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Waiting ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Boolean });
        await using var reader = await read.ExecuteReaderAsync(ct);
        var items = new List<TaskInstance>();
        while (await reader.ReadAsync(ct)) items.Add(ReadInstance(reader));
        return items;
    }

    private static TaskInstance ReadInstance(NpgsqlDataReader reader)
    {
        var state = PostgresOrchestrationService.ReadState(reader);
        return new TaskInstance(
            state.OrchestrationInstance.InstanceId, state.Name, state.OrchestrationStatus, state.Input, state.Output, state.Status,
            state.FailureDetails, state.ParentInstance?.OrchestrationInstance.InstanceId, reader.IsDBNull(13) ? null : reader.GetString(13),
            Utc(state.CreatedTime), Utc(state.LastUpdatedTime), state.CompletedTime == DateTime.MinValue ? null : Utc(state.CompletedTime))
        {
            IsWaiting = reader.GetBoolean(14),
        };
    }

    /// <summary>Raises <paramref name="eventName"/> on the instance; buffered until the orchestration waits for it. False when there is no such instance (for this owner).</summary>
    public async Task<bool> RaiseEventAsync(string instanceId, string eventName, object? payload = null, string? owner = null,
        NpgsqlTransaction? transaction = null, CancellationToken ct = default)
    {
        if (owner is not null && await GetAsync(instanceId, owner, ct) is null) return false;
        var message = new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new EventRaisedEvent(-1, converter.Serialize(payload)) { Name = eventName },
        };
        return await store.SendAsync([message], transaction, ct) == 1;
    }

    /// <summary>Terminates a running instance. False when there is no such instance (for this owner).</summary>
    public async Task<bool> TerminateAsync(string instanceId, string? reason = null, string? owner = null, CancellationToken ct = default)
    {
        if (owner is not null && await GetAsync(instanceId, owner, ct) is null) return false;
        var message = new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new ExecutionTerminatedEvent(-1, converter.Serialize(reason)),
        };
        return await store.SendAsync([message], transaction: null, ct) == 1;
    }

    /// <summary>Deletes a finished instance and its history. False when it is unknown, another owner's, or not finished.</summary>
    public Task<bool> PurgeAsync(string instanceId, string? owner = null, CancellationToken ct = default) =>
        store.PurgeInstanceAsync(instanceId, owner, ct);

    /// <summary>Deletes every instance that finished before <paramref name="before"/>; returns how many.</summary>
    public Task<int> PurgeFinishedBeforeAsync(DateTimeOffset before, CancellationToken ct = default) =>
        store.PurgeFinishedAsync("completed_at", before, ct);

    /// <summary>Waits until the instance is finished and returns it.</summary>
    public async Task<TaskInstance> WaitForCompletionAsync(string instanceId, CancellationToken ct = default)
    {
        var delay = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            var instance = await GetAsync(instanceId, ct: ct);
            if (instance is { IsFinished: true }) return instance;
            await Task.Delay(delay, ct);
            if (delay < TimeSpan.FromMilliseconds(100)) delay *= 2;
        }
    }

    /// <summary>Reads a serialized input, output or custom status with the worker's converter.</summary>
    public T? Read<T>(string? serialized) => serialized is null ? default : converter.Deserialize<T>(serialized);

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
