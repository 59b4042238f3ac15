namespace Hearth.Durable.Jobs;

/// <summary>How a job is enqueued. Every field is optional.</summary>
public sealed record EnqueueOptions
{
    /// <summary>Not before this time (a scheduled job).</summary>
    public DateTimeOffset? RunAt { get; init; }

    /// <summary>Not before now plus this delay; ignored when <see cref="RunAt"/> is set.</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>While a job with this key in the same queue is unfinished, enqueueing another one is a no-op.</summary>
    public string? UniqueKey { get; init; }

    /// <summary>Overrides the function's retry policy for this job.</summary>
    public RetryPolicy? Retry { get; init; }

    /// <summary>The user the job acts for; shown in admin listings and used to filter them.</summary>
    public string? Owner { get; init; }
}
