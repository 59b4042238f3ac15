namespace Hearth.Durable.Tasks;

/// <summary>Settings of the PostgreSQL task store and of the worker that runs orchestrators and activities on it.</summary>
public sealed class TaskStoreOptions
{
    /// <summary>Names this worker in the lock columns; unique per process.</summary>
    public string WorkerName { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>How long a locked orchestration or activity stays this worker's without a heartbeat. A killed worker's
    /// work is taken over by another this long after its last heartbeat.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest sleep between looks at the tables when no notification arrives.</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Orchestration work items (replays) run at once by this worker. Few: each waiting owner's replay is taken in
    /// its turn, and then shares the CPU with what already runs (issue 18's flood: 2.4 s at 16/8, 3.8 s at 64/32).</summary>
    public int MaxConcurrentOrchestrations { get; set; } = 8;

    /// <summary>Activities run at once by this worker (see <see cref="MaxConcurrentOrchestrations"/> for why few).</summary>
    public int MaxConcurrentActivities { get; set; } = 16;

    /// <summary>Activities locked in one round trip and handed out one by one.</summary>
    public int ActivityBatchSize { get; set; } = 16;

    /// <summary>How long a worker keeps an instance loaded after a replay, waiting for the results of the activity calls or
    /// sub-orchestrations it has in flight, so they run on the orchestrator already in memory instead of a new replay of
    /// the whole history (DurableTask.Core's extended sessions). Zero turns sessions off.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Finished instances (completed, failed, terminated) are purged with their history after this long.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    internal void Validate()
    {
        if (LeaseDuration < TimeSpan.FromSeconds(1)) throw new ArgumentException("TaskStoreOptions.LeaseDuration must be at least 1 s.");
        if (MaxPollingInterval <= TimeSpan.Zero) throw new ArgumentException("TaskStoreOptions.MaxPollingInterval must be positive.");
        if (MaxConcurrentOrchestrations < 1 || MaxConcurrentActivities < 1 || ActivityBatchSize < 1)
            throw new ArgumentException("TaskStoreOptions concurrency settings must be at least 1.");
        if (SessionIdleTimeout < TimeSpan.Zero || SessionIdleTimeout >= LeaseDuration)
            throw new ArgumentException("TaskStoreOptions.SessionIdleTimeout must be zero or more and shorter than the lease.");
        if (Retention <= TimeSpan.Zero) throw new ArgumentException("TaskStoreOptions.Retention must be positive.");
    }
}
