using Hearth.Durable.Jobs;
using Hearth.Durable.Timers;

namespace Hearth.Durable;

/// <summary>Everything this process runs from the job queue: queue-triggered and timer-triggered functions.</summary>
internal sealed class DurableRegistry
{
    private readonly Dictionary<string, HandlerRegistration> _handlers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TimerRegistration> _timers = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, HandlerRegistration> Handlers => _handlers;
    public IReadOnlyDictionary<string, TimerRegistration> Timers => _timers;

    public void Add(HandlerRegistration registration)
    {
        ValidateName(registration.Name);
        if (!_handlers.TryAdd(registration.Name, registration))
            throw new InvalidOperationException($"A function named '{registration.Name}' is already registered.");
    }

    public void Add(TimerRegistration registration) => _timers.Add(registration.Name, registration);

    /// <summary>Queue names this process fetches: its functions'.</summary>
    public string[] Queues() => [.. _handlers.Keys];

    private static void ValidateName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.StartsWith('$'))
            throw new ArgumentException($"'{name}' is not a valid function name (1-200 characters, not starting with '$').", nameof(name));
    }
}

/// <summary>A function and how to run it.</summary>
internal sealed record HandlerRegistration(
    string Name,
    JobKind Kind,
    Func<JobContext, CancellationToken, Task<object?>> Invoke,
    RetryPolicy? Retry,
    TimeSpan? Timeout);

/// <summary>A timer function's schedule as declared in code.</summary>
internal sealed record TimerRegistration(string Name, string Schedule);
