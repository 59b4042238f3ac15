using System.Text.Json;

namespace Hearth.Durable.Orchestrations;

/// <summary>Lifecycle of an instance. Completed, Failed and Terminated are final.</summary>
public enum OrchestrationRuntimeStatus
{
    /// <summary>Created; its start has not been applied yet.</summary>
    Pending,
    /// <summary>Activities, timers or backlog in flight.</summary>
    Running,
    /// <summary>Nothing in flight but waits for external events.</summary>
    Waiting,
    Completed,
    Failed,
    Terminated,
}

/// <summary>An instance as the management API shows it.</summary>
public sealed record OrchestrationStatus(
    string InstanceId,
    string Type,
    OrchestrationRuntimeStatus Status,
    string? Owner,
    JsonElement? Input,
    JsonElement? CustomStatus,
    JsonElement? Output,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt)
{
    public bool IsFinished => Status is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated;

    public T? ReadOutput<T>() => Output is { } output ? output.Deserialize<T>(DurableJson.Options) : default;

    public T? ReadCustomStatus<T>() => CustomStatus is { } status ? status.Deserialize<T>(DurableJson.Options) : default;
}

/// <summary>Filter for instance listings; every field optional.</summary>
public sealed record OrchestrationQuery(string? Type = null, OrchestrationRuntimeStatus? Status = null, string? Owner = null, int Limit = 50, string? Cursor = null);

/// <summary>How to start an instance.</summary>
public sealed record StartOptions
{
    /// <summary>Caller-chosen id; the same id twice starts one instance (a singleton). Generated when null.</summary>
    public string? InstanceId { get; init; }

    /// <summary>The user the instance acts for; only they (and admins) see it.</summary>
    public string? Owner { get; init; }

    /// <summary>When an instance with this id exists and is finished, purge it and start anew.</summary>
    public bool ReplaceFinished { get; init; }
}

/// <summary>Result of a start: the id, and whether this call created the instance.</summary>
public sealed record StartResult(string InstanceId, bool Created);
