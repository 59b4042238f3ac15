using System.Text.Json;

namespace Hearth.Durable.Orchestrations;

/// <summary>Something that happened to an orchestration instance; its reaction emits commands through the context.</summary>
public abstract record OrchestrationEvent;

/// <summary>The instance started (or started again after continue-as-new).</summary>
public sealed record OrchestrationStarted : OrchestrationEvent;

/// <summary>An activity call returned. Delivered once per call, even when the activity ran more than once.</summary>
public sealed record ActivityCompleted(string CallId, string Name, string? Tag, JsonElement Result) : OrchestrationEvent
{
    public T GetResult<T>() => Result.Deserialize<T>(DurableJson.Options)!;
}

/// <summary>An activity call failed after every attempt its retry policy allowed.</summary>
public sealed record ActivityFailed(string CallId, string Name, string? Tag, string Error, int Attempts) : OrchestrationEvent;

/// <summary>A durable timer fired.</summary>
public sealed record TimerFired(string TimerId, string? Tag) : OrchestrationEvent;

/// <summary>An external event the instance waited for arrived (possibly buffered from before the wait).</summary>
public sealed record EventRaised(string Name, JsonElement Data) : OrchestrationEvent
{
    public T GetData<T>() => Data.Deserialize<T>(DurableJson.Options)!;
}

/// <summary>A wait for an external event reached its timeout before the event arrived.</summary>
public sealed record EventWaitTimedOut(string Name) : OrchestrationEvent;
