using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using Npgsql;

namespace Hearth.Durable.Tasks;

/// <summary>The client side of the store: create instances, send them events, read and purge them.</summary>
public sealed partial class PostgresOrchestrationService
{
    /// <summary>Statuses an instance id may be reused from by default: none (a second start is "already exists").</summary>
    private static readonly string[] NeverReplace = [];

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage) =>
        CreateTaskOrchestrationAsync(creationMessage, [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.Suspended]);

    public async Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[] dedupeStatuses)
    {
        var replaceable = Terminal.Where(t => !dedupeStatuses.Select(d => d.ToString()).Contains(t)).ToArray();
        await using var connection = await _db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        if (!await CreateAsync(connection, tx, creationMessage, owner: null, replaceable, CancellationToken.None))
            throw new OrchestrationAlreadyExistsException($"An orchestration with instance id '{creationMessage.OrchestrationInstance.InstanceId}' already exists.");
        await tx.CommitAsync();
        _wake.Orchestrations();
    }

    /// <summary>
    /// Creates the instance row and its start event in <paramref name="transaction"/>: the instance exists if and
    /// only if that transaction commits, and workers wake at its commit. Returns false (and writes nothing) when an
    /// instance with that id exists whose status is not in <paramref name="replaceableStatuses"/>.
    /// </summary>
    internal async Task<bool> CreateAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, TaskMessage creationMessage, string? owner,
        string[] replaceableStatuses, CancellationToken ct)
    {
        var start = (ExecutionStartedEvent)creationMessage.Event;
        var instance = start.OrchestrationInstance;
        var now = Now;
        bool replaced;
        await using (var upsert = new NpgsqlCommand("""
            insert into durabletask.instances (instance_id, execution_id, name, version, status, input, owner, tags, created_at, updated_at)
            values ($1, $2, $3, $4, 'Pending', $5, $6, $7, $8, $8)
            on conflict (instance_id) do update
            set execution_id = excluded.execution_id, name = excluded.name, version = excluded.version, status = 'Pending',
                input = excluded.input, output = null, custom_status = null, failure = null, owner = excluded.owner, tags = excluded.tags,
                created_at = excluded.created_at, updated_at = excluded.updated_at, completed_at = null, locked_by = null, lock_expires_at = null,
                waiting = false
            where durabletask.instances.status = any($9)
            returning xmax <> 0
            """, connection, transaction))
        {
            AddParameters(upsert, instance.InstanceId, instance.ExecutionId, start.Name, start.Version ?? "", start.Input, owner,
                start.Tags is null || start.Tags.Count == 0 ? null : Newtonsoft.Json.JsonConvert.SerializeObject(start.Tags), now, replaceableStatuses);
            var result = await upsert.ExecuteScalarAsync(ct);
            if (result is null) return false;
            replaced = (bool)result;
        }
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (replaced)
        {
            batch.BatchCommands.Add(Command("delete from durabletask.history where instance_id = $1", instance.InstanceId));
            batch.BatchCommands.Add(Command("delete from durabletask.new_events where instance_id = $1", instance.InstanceId));
            batch.BatchCommands.Add(Command("delete from durabletask.new_tasks where instance_id = $1", instance.InstanceId));
        }
        batch.BatchCommands.Add(InsertEvents([creationMessage], now));
        batch.BatchCommands.Add(Notify(TaskWake.OrchestrationsPayload));
        await batch.ExecuteNonQueryAsync(ct);
        return true;
    }

    public Task SendTaskOrchestrationMessageAsync(TaskMessage message) => SendTaskOrchestrationMessageBatchAsync(message);

    public async Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages)
    {
        await SendAsync(messages, transaction: null, CancellationToken.None);
    }

    /// <summary>Records events for existing instances (events for an unknown instance are dropped); returns how many were recorded.</summary>
    internal async Task<int> SendAsync(IReadOnlyList<TaskMessage> messages, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        if (messages.Count == 0) return 0;
        NpgsqlConnection? own = null;
        try
        {
            var connection = transaction?.Connection ?? (own = await _db.OpenConnectionAsync(ct));
            await using var batch = new NpgsqlBatch(connection, transaction);
            var insert = InsertEvents(messages, Now);
            batch.BatchCommands.Add(insert);
            batch.BatchCommands.Add(Notify(TaskWake.OrchestrationsPayload));
            await batch.ExecuteNonQueryAsync(ct);
            if (transaction is null) _wake.Orchestrations();
            return insert.RecordsAffected;
        }
        finally
        {
            if (own is not null) await own.DisposeAsync();
        }
    }

    public async Task<OrchestrationState> WaitForOrchestrationAsync(string instanceId, string executionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout > TimeSpan.Zero && timeout < TimeSpan.MaxValue) limit.CancelAfter(timeout);
        var delay = TimeSpan.FromMilliseconds(2);
        while (true)
        {
            var state = await GetOrchestrationStateAsync(instanceId, executionId);
            if (state is not null && Terminal.Contains(state.OrchestrationStatus.ToString())) return state;
            try
            {
                await Task.Delay(delay, limit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Orchestration {instanceId} did not finish within {timeout}.");
            }
            delay = Min(delay * 2, TimeSpan.FromMilliseconds(250));
        }
    }

    public async Task ForceTerminateTaskOrchestrationAsync(string instanceId, string reason)
    {
        await SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new ExecutionTerminatedEvent(-1, reason),
        });
    }

    public async Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions)
    {
        var state = await GetOrchestrationStateAsync(instanceId, executionId: null);
        return state is null ? [] : [state];
    }

    public async Task<OrchestrationState?> GetOrchestrationStateAsync(string instanceId, string? executionId)
    {
        await using var read = _db.CreateCommand($"select {StateColumns} from durabletask.instances where instance_id = $1 and ($2::text is null or execution_id = $2)");
        AddParameters(read, instanceId, executionId);
        await using var reader = await read.ExecuteReaderAsync();
        return await reader.ReadAsync() ? ReadState(reader) : null;
    }

    internal const string StateColumns =
        "instance_id, execution_id, name, version, status, input, output, custom_status, failure, parent_instance_id, created_at, updated_at, completed_at, owner, waiting";

    internal static OrchestrationState ReadState(NpgsqlDataReader reader)
    {
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        var state = new OrchestrationState
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = reader.GetString(0), ExecutionId = reader.GetString(1) },
            Name = reader.GetString(2),
            Version = Text(3),
            OrchestrationStatus = Enum.Parse<OrchestrationStatus>(reader.GetString(4)),
            Input = Text(5),
            Output = Text(6),
            Status = Text(7),
            FailureDetails = Text(8) is { } failure ? Newtonsoft.Json.JsonConvert.DeserializeObject<FailureDetails>(failure) : null,
            ParentInstance = Text(9) is { } parent ? new ParentInstance { OrchestrationInstance = new OrchestrationInstance { InstanceId = parent } } : null,
            CreatedTime = reader.GetDateTime(10),
            LastUpdatedTime = reader.GetDateTime(11),
            CompletedTime = reader.IsDBNull(12) ? DateTime.MinValue : reader.GetDateTime(12),
        };
        return state;
    }

    public async Task<string> GetOrchestrationHistoryAsync(string instanceId, string? executionId)
    {
        await using var read = _db.CreateCommand(
            "select event from durabletask.history where instance_id = $1 and ($2::text is null or execution_id = $2) order by sequence");
        AddParameters(read, instanceId, executionId);
        var events = new List<HistoryEvent>();
        await using var reader = await read.ExecuteReaderAsync();
        while (await reader.ReadAsync()) events.Add(MessageJson.ReadEvent(reader.GetString(0)));
        return Newtonsoft.Json.JsonConvert.SerializeObject(events);
    }

    public async Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType)
    {
        var column = timeRangeFilterType switch
        {
            OrchestrationStateTimeRangeFilterType.OrchestrationCreatedTimeFilter => "created_at",
            OrchestrationStateTimeRangeFilterType.OrchestrationLastUpdatedTimeFilter => "updated_at",
            _ => "completed_at",
        };
        await PurgeFinishedAsync(column, new DateTimeOffset(DateTime.SpecifyKind(thresholdDateTimeUtc, DateTimeKind.Utc)), CancellationToken.None);
    }

    /// <summary>Deletes finished instances whose <paramref name="column"/> is before <paramref name="before"/>, with everything they left.</summary>
    internal async Task<int> PurgeFinishedAsync(string column, DateTimeOffset before, CancellationToken ct)
    {
        await using var purge = _db.CreateCommand(PurgeWhere($"status = any($1) and {column} < $2"));
        AddParameters(purge, Terminal, before);
        return Convert.ToInt32(await purge.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Deletes one finished instance and everything it left; false when it is unknown or still running.</summary>
    internal async Task<bool> PurgeInstanceAsync(string instanceId, string? owner, CancellationToken ct)
    {
        await using var purge = _db.CreateCommand(PurgeWhere("instance_id = $1 and status = any($2) and ($3::text is null or owner = $3)"));
        AddParameters(purge, instanceId, Terminal, owner);
        return Convert.ToInt32(await purge.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>Deletes the instances matching <paramref name="where"/> with their history, events and activity calls; selects how many.</summary>
    private static string PurgeWhere(string where) => $"""
        with gone as (
            delete from durabletask.instances where {where} returning instance_id
        ), h as (
            delete from durabletask.history where instance_id in (select instance_id from gone)
        ), e as (
            delete from durabletask.new_events where instance_id in (select instance_id from gone)
        ), t as (
            delete from durabletask.new_tasks where instance_id in (select instance_id from gone)
        )
        select count(*) from gone
        """;
}
