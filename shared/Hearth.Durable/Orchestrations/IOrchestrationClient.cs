using Hearth.Durable.Jobs;
using Npgsql;

namespace Hearth.Durable.Orchestrations;

/// <summary>Result of a purge.</summary>
public enum PurgeResult { Purged, NotFound, NotFinished }

/// <summary>
/// Starts and manages orchestration instances: start (optionally inside the caller's transaction), status, list,
/// raise event, terminate, purge, wait. Passing an <c>owner</c> restricts every call to that user's instances.
/// The contract the product and the management API use; the Durable Task store (<c>Hearth.Durable.Tasks</c>)
/// implements it.
/// </summary>
public interface IOrchestrationClient
{
    /// <summary>Starts the orchestration registered as <paramref name="type"/>; inside <paramref name="transaction"/> when given
    /// (the instance exists if and only if it commits). A second start with the same instance id answers <c>Created = false</c>.</summary>
    Task<StartResult> StartAsync<TInput>(string type, TInput input, StartOptions? options = null, NpgsqlTransaction? transaction = null, CancellationToken ct = default);

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
