using System.Text.Json;
using Hearth.Durable.Jobs;
using Hearth.Durable.Orchestrations;
using Npgsql;
using CoreStatus = DurableTask.Core.OrchestrationStatus;
using HearthStart = Hearth.Durable.Orchestrations.StartResult;
using HearthStatus = Hearth.Durable.Orchestrations.OrchestrationStatus;

namespace Hearth.Durable.Tasks;

/// <summary>
/// The product's <see cref="IOrchestrationClient"/> on the Durable Task store: starts (in the caller's transaction when
/// given), reads, events, termination, purge and listings for the management API, the erasers and the features, with
/// the statuses the API shows (Waiting is a running instance with nothing in flight).
/// </summary>
public sealed class TaskOrchestrationClient(TaskClient tasks, TaskRegistry registry) : IOrchestrationClient
{
    public async Task<HearthStart> StartAsync<TInput>(string type, TInput input, StartOptions? options = null, NpgsqlTransaction? transaction = null,
        CancellationToken ct = default)
    {
        if (!registry.Orchestrators.ContainsKey(type)) throw new ArgumentException($"No orchestration named '{type}' is registered.", nameof(type));
        options ??= new StartOptions();
        var id = options.InstanceId ?? Guid.NewGuid().ToString("N");
        if (id.Length is 0 or > 200) throw new ArgumentException("An instance id is 1-200 characters.", nameof(options));
        var started = await tasks.StartAsync(type, input, new StartTaskOptions(id, options.Owner, options.ReplaceFinished), transaction, ct);
        return new HearthStart(started.InstanceId, started.Created);
    }

    public async Task<HearthStatus?> GetAsync(string instanceId, string? owner = null, CancellationToken ct = default) =>
        await tasks.GetAsync(instanceId, owner, ct) is { } instance ? ToStatus(instance) : null;

    public async Task<Page<HearthStatus>> ListAsync(OrchestrationQuery query, CancellationToken ct = default)
    {
        var limit = Math.Clamp(query.Limit, 1, 500);
        var after = OrchestrationCursor.Parse(query.Cursor);
        var statuses = query.Status is { } status ? Statuses(status) : null;
        // Running and Waiting are one stored status here, told apart by the waiting flag.
        var waiting = query.Status switch
        {
            OrchestrationRuntimeStatus.Waiting => true,
            OrchestrationRuntimeStatus.Running => false,
            _ => (bool?)null,
        };
        var found = statuses is { Length: 0 }
            ? []
            : await tasks.ListAsync(new TaskQuery(query.Type, statuses, query.Owner, after, limit + 1, waiting), ct);
        string? next = null;
        if (found.Count > limit)
        {
            var last = found[limit - 1];
            next = OrchestrationCursor.Encode(last.CreatedAt, last.InstanceId);
        }
        return new Page<HearthStatus>(found.Take(limit).Select(ToStatus).ToList(), next);
    }

    public async Task<bool> RaiseEventAsync(string instanceId, string name, object? data, string? owner = null, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200) throw new ArgumentException("An event name is 1-200 characters.", nameof(name));
        var instance = await tasks.GetAsync(instanceId, owner, ct);
        return instance is { IsFinished: false } && await tasks.RaiseEventAsync(instanceId, name, data, ct: ct);
    }

    public async Task<bool> TerminateAsync(string instanceId, string reason, string? owner = null, CancellationToken ct = default)
    {
        var instance = await tasks.GetAsync(instanceId, owner, ct);
        return instance is { IsFinished: false } && await tasks.TerminateAsync(instanceId, reason, ct: ct);
    }

    public async Task<PurgeResult> PurgeAsync(string instanceId, string? owner = null, CancellationToken ct = default)
    {
        var instance = await tasks.GetAsync(instanceId, owner, ct);
        if (instance is null) return PurgeResult.NotFound;
        if (!instance.IsFinished) return PurgeResult.NotFinished;
        return await tasks.PurgeAsync(instanceId, owner, ct) ? PurgeResult.Purged : PurgeResult.NotFound;
    }

    public async Task<HearthStatus?> WaitForCompletionAsync(string instanceId, TimeSpan timeout, CancellationToken ct = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var delay = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            var status = await GetAsync(instanceId, null, ct);
            if (status is null || status.IsFinished || limit.IsCancellationRequested) return status;
            try
            {
                await Task.Delay(delay, limit.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return await GetAsync(instanceId, null, ct);
            }
            if (delay < TimeSpan.FromMilliseconds(100)) delay *= 2;
        }
    }

    /// <summary>The task store's statuses that read as <paramref name="status"/> (Waiting is Running with the waiting flag).</summary>
    private static CoreStatus[] Statuses(OrchestrationRuntimeStatus status) => status switch
    {
        OrchestrationRuntimeStatus.Pending => [CoreStatus.Pending],
        OrchestrationRuntimeStatus.Running => [CoreStatus.Running, CoreStatus.ContinuedAsNew, CoreStatus.Suspended],
        OrchestrationRuntimeStatus.Waiting => [CoreStatus.Running],
        OrchestrationRuntimeStatus.Completed => [CoreStatus.Completed],
        OrchestrationRuntimeStatus.Failed => [CoreStatus.Failed],
        OrchestrationRuntimeStatus.Terminated => [CoreStatus.Terminated, CoreStatus.Canceled],
        _ => [],
    };

    /// <summary>An instance of the task store as the management API shows any instance (an output only when it completed:
    /// a failed or terminated instance's output column holds its failure or reason).</summary>
    internal HearthStatus ToStatus(TaskInstance instance)
    {
        var status = instance.Status switch
        {
            CoreStatus.Pending => OrchestrationRuntimeStatus.Pending,
            CoreStatus.Completed => OrchestrationRuntimeStatus.Completed,
            CoreStatus.Failed => OrchestrationRuntimeStatus.Failed,
            CoreStatus.Terminated or CoreStatus.Canceled => OrchestrationRuntimeStatus.Terminated,
            CoreStatus.Running when instance.IsWaiting => OrchestrationRuntimeStatus.Waiting,
            _ => OrchestrationRuntimeStatus.Running,
        };
        var error = status switch
        {
            OrchestrationRuntimeStatus.Failed => instance.Failure?.ErrorMessage ?? "The orchestration failed.",
            OrchestrationRuntimeStatus.Terminated => tasks.Read<string>(instance.SerializedOutput) ?? "Terminated.",
            _ => null,
        };
        return new HearthStatus(instance.InstanceId, instance.Name, status, instance.Owner, Json(instance.SerializedInput),
            Json(instance.SerializedCustomStatus), status == OrchestrationRuntimeStatus.Completed ? Json(instance.SerializedOutput) : null, error,
            instance.CreatedAt, instance.UpdatedAt, instance.CompletedAt);
    }

    private static JsonElement? Json(string? serialized)
    {
        if (serialized is null) return null;
        using var document = JsonDocument.Parse(serialized);
        return document.RootElement.Clone();
    }

}
