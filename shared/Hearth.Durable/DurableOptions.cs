namespace Hearth.Durable;

/// <summary>
/// Runtime settings. The host binds them from host.json with Azure Functions' key names where the meaning is the same
/// (<c>extensions.queues.batchSize</c>, <c>newBatchThreshold</c>, <c>maxDequeueCount</c>, <c>visibilityTimeout</c>,
/// <c>maxPollingInterval</c>, <c>functionTimeout</c>).
/// </summary>
public sealed class DurableOptions
{
    /// <summary>Jobs fetched at once and run in parallel (Functions: queues.batchSize).</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>A new batch is fetched when this few jobs are still running; at most BatchSize + NewBatchThreshold run at once.</summary>
    public int? NewBatchThreshold { get; set; }

    /// <summary>Attempts before a job is dead (Functions: queues.maxDequeueCount), when its function sets no policy.</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Delay before the first retry (Functions: queues.visibilityTimeout), when its function sets no policy.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Growth of the default retry delay.</summary>
    public double BackoffCoefficient { get; set; } = 2.0;

    /// <summary>Cap of the default retry delay.</summary>
    public TimeSpan MaxRetryInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest wait between polls when no notification arrives (Functions: queues.maxPollingInterval).</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a running job's lease lasts without a heartbeat; an expired lease is rescued and the job runs again.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A function running longer than this is cancelled and counts as failed (Functions: functionTimeout).</summary>
    public TimeSpan FunctionTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>On shutdown, how long running jobs may take to finish before they are handed back.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Succeeded and cancelled jobs are deleted after this long.</summary>
    public TimeSpan SucceededRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Dead jobs are deleted after this long.</summary>
    public TimeSpan DeadRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>host.json's <c>extensions.durableTask.instanceRetention</c>: finished orchestration instances are purged after
    /// this long. The function host applies it to the Durable Task store's retention (<c>TaskStoreOptions.Retention</c>);
    /// null leaves that store's default.</summary>
    public TimeSpan? InstanceRetention { get; set; }

    /// <summary>A timer run later than this after its occurrence is a catch-up: missed occurrences collapse into one run with IsPastDue.</summary>
    public TimeSpan PastDueThreshold { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether this process runs jobs (false: it only enqueues, e.g. a CLI).</summary>
    public bool RunWorkers { get; set; } = true;

    /// <summary>Whether this process fires timer schedules.</summary>
    public bool RunTimers { get; set; } = true;

    /// <summary>Timer schedules overriding the ones declared in code, by function name.</summary>
    public Dictionary<string, string> Schedules { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Identity of this worker in leases; unique per process.</summary>
    public string WorkerId { get; set; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..6]}";

    internal int EffectiveNewBatchThreshold => NewBatchThreshold ?? BatchSize / 2;

    internal RetryPolicy DefaultRetry => new(MaxDequeueCount, VisibilityTimeout, BackoffCoefficient, MaxRetryInterval);

    /// <summary>Throws naming the first setting that is out of range.</summary>
    public void Validate()
    {
        if (BatchSize is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batchSize must be 1..1000.");
        if (EffectiveNewBatchThreshold < 0) throw new ArgumentOutOfRangeException(nameof(NewBatchThreshold), NewBatchThreshold, "newBatchThreshold must be 0 or more.");
        if (MaxDequeueCount < 1) throw new ArgumentOutOfRangeException(nameof(MaxDequeueCount), MaxDequeueCount, "maxDequeueCount must be 1 or more.");
        if (LeaseDuration < TimeSpan.FromSeconds(1)) throw new ArgumentOutOfRangeException(nameof(LeaseDuration), LeaseDuration, "leaseDuration must be at least 1 second.");
        if (MaxPollingInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(MaxPollingInterval), MaxPollingInterval, "maxPollingInterval must be positive.");
        if (FunctionTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(FunctionTimeout), FunctionTimeout, "functionTimeout must be positive.");
        DefaultRetry.Validate();
    }
}
