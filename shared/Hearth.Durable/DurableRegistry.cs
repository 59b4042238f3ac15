using Hearth.Durable.Jobs;
using Hearth.Durable.Orchestrations;
using Hearth.Durable.Timers;

namespace Hearth.Durable;

/// <summary>Everything this process can run: functions, activities, timers, orchestrations. Names share one namespace.</summary>
internal sealed class DurableRegistry
{
    public const string StepQueue = "$orchestrator";
    public const string TimerQueue = "$timer";

    private readonly Dictionary<string, HandlerRegistration> _handlers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TimerRegistration> _timers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OrchestrationRegistration> _orchestrations = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, string> _orchestrationNames = new();

    public IReadOnlyDictionary<string, HandlerRegistration> Handlers => _handlers;
    public IReadOnlyDictionary<string, TimerRegistration> Timers => _timers;
    public IReadOnlyDictionary<string, OrchestrationRegistration> Orchestrations => _orchestrations;

    public void Add(HandlerRegistration registration)
    {
        ValidateName(registration.Name);
        if (!_handlers.TryAdd(registration.Name, registration))
            throw new InvalidOperationException($"A function or activity named '{registration.Name}' is already registered.");
    }

    public void Add(TimerRegistration registration) => _timers.Add(registration.Name, registration);

    public void Add(OrchestrationRegistration registration)
    {
        ValidateName(registration.Name);
        if (!_orchestrations.TryAdd(registration.Name, registration))
            throw new InvalidOperationException($"An orchestration named '{registration.Name}' is already registered.");
        _orchestrationNames[registration.Type] = registration.Name;
    }

    public string NameOf(Type orchestrationType) =>
        _orchestrationNames.TryGetValue(orchestrationType, out var name)
            ? name
            : throw new InvalidOperationException($"{orchestrationType.Name} is not a registered orchestration.");

    /// <summary>Queue names this process fetches: its functions and activities, and the runtime's own.</summary>
    public string[] Queues() => [.. _handlers.Keys, StepQueue, TimerQueue];

    private static void ValidateName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.StartsWith('$'))
            throw new ArgumentException($"'{name}' is not a valid function name (1-200 characters, not starting with '$').", nameof(name));
    }
}

/// <summary>A function or activity and how to run it.</summary>
internal sealed record HandlerRegistration(
    string Name,
    JobKind Kind,
    Func<JobContext, CancellationToken, Task<object?>> Invoke,
    RetryPolicy? Retry,
    TimeSpan? Timeout);

/// <summary>A timer function's schedule as declared in code.</summary>
internal sealed record TimerRegistration(string Name, string Schedule);

/// <summary>An orchestration type.</summary>
internal sealed record OrchestrationRegistration(string Name, Type Type, Func<IServiceProvider, IOrchestrationDefinition> Factory);
