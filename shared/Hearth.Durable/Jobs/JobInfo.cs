using System.Text.Json;

namespace Hearth.Durable.Jobs;

/// <summary>A job as the management API shows it.</summary>
public sealed record JobInfo(
    string Id,
    string Queue,
    JobKind Kind,
    JobState State,
    int Attempt,
    int MaxAttempts,
    DateTimeOffset RunAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? LastError,
    string? UniqueKey,
    string? Owner,
    string? InstanceId,
    JsonElement? Payload);

/// <summary>Filter for job listings; every field optional.</summary>
public sealed record JobQuery(JobState? State = null, string? Queue = null, string? Owner = null, int Limit = 50, string? Cursor = null);

/// <summary>Count of jobs in one queue and state.</summary>
public sealed record JobCount(string Queue, JobState State, long Count);

/// <summary>A page of a listing: items, and the cursor of the next page (null on the last).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
