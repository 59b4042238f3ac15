using Hearth.Durable.Orchestrations;

namespace Hearth.Companions;

/// <summary>
/// Erasing orchestration instances for a deletion: an unfinished one is terminated and awaited (so it writes nothing
/// after the erasure), then every one is purged, because <c>/api/orchestrations</c> shows their inputs and outputs.
/// </summary>
public static class OrchestrationErasure
{
    /// <summary>How long one terminated instance may take to stop before the erasure fails (and its job retries).</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The owner's instances (of <paramref name="type"/> when given) whose id <paramref name="select"/> accepts.</summary>
    public static async Task<IReadOnlyList<OrchestrationStatus>> ListAsync(
        IOrchestrationClient orchestrations, string ownerId, string? type, Func<string, bool> select, CancellationToken ct)
    {
        var found = new List<OrchestrationStatus>();
        string? cursor = null;
        do
        {
            var page = await orchestrations.ListAsync(new OrchestrationQuery(Type: type, Owner: ownerId, Limit: 500, Cursor: cursor), ct);
            found.AddRange(page.Items.Where(i => select(i.InstanceId)));
            cursor = page.NextCursor;
        } while (cursor is not null);
        return found;
    }

    /// <summary>Terminates the unfinished instances and waits until they have stopped. Throws when one does not stop in time.</summary>
    public static async Task StopAsync(IOrchestrationClient orchestrations, IEnumerable<OrchestrationStatus> instances, string ownerId, string reason, CancellationToken ct)
    {
        foreach (var instance in instances.Where(i => !i.IsFinished))
        {
            await orchestrations.TerminateAsync(instance.InstanceId, reason, ownerId, ct);
            var stopped = await orchestrations.WaitForCompletionAsync(instance.InstanceId, StopTimeout, ct);
            if (stopped is { IsFinished: false })
                throw new InvalidOperationException($"Orchestration {instance.InstanceId} did not stop within {StopTimeout.TotalSeconds:0} s; the erasure will try again.");
        }
    }

    /// <summary>Stops (when needed) and purges the instances.</summary>
    public static async Task EraseAsync(IOrchestrationClient orchestrations, IReadOnlyList<OrchestrationStatus> instances, string ownerId, string reason, CancellationToken ct)
    {
        await StopAsync(orchestrations, instances, ownerId, reason, ct);
        foreach (var instance in instances)
            if (await orchestrations.PurgeAsync(instance.InstanceId, ownerId, ct) == PurgeResult.NotFinished)
                throw new InvalidOperationException($"Orchestration {instance.InstanceId} is still running; the erasure will try again.");
    }
}
