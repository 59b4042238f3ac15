using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Hearth.Durable.Jobs;

/// <summary>
/// What a running job knows about itself. Jobs run at least once: a job may be executed more than once
/// (a rescued lease, a retry after a failure that happened after side effects), so handlers must be idempotent.
/// </summary>
public sealed class JobContext
{
    internal JobContext(JobRecord record, IServiceProvider services, ILogger logger)
    {
        Record = record;
        Services = services;
        Logger = logger;
    }

    internal JobRecord Record { get; }

    public long JobId => Record.Id;

    /// <summary>The function or activity name.</summary>
    public string Queue => Record.Queue;

    /// <summary>1 on the first attempt.</summary>
    public int Attempt => Record.Attempt;

    public int MaxAttempts => Record.MaxAttempts;

    /// <summary>True on the last attempt: a failure now makes the job dead.</summary>
    public bool IsLastAttempt => Record.Attempt >= Record.MaxAttempts;

    public string? Owner => Record.Owner;

    /// <summary>The orchestration instance, for activities.</summary>
    public string? InstanceId => Record.InstanceId;

    public DateTimeOffset EnqueuedAt => Record.CreatedAt;

    /// <summary>The raw JSON payload.</summary>
    public JsonElement Payload => Record.Payload;

    /// <summary>Services of a scope that lives as long as this execution.</summary>
    public IServiceProvider Services { get; }

    public ILogger Logger { get; }
}

/// <summary>Thrown by a handler when trying again cannot help (bad input): the job goes dead at once.</summary>
public sealed class PermanentJobFailureException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A job row as fetched by a worker.</summary>
internal sealed record JobRecord(
    long Id,
    string Queue,
    JobKind Kind,
    JsonElement Payload,
    int Attempt,
    int MaxAttempts,
    RetryPolicy? Retry,
    string? Owner,
    string? InstanceId,
    string? CallId,
    DateTimeOffset CreatedAt);
