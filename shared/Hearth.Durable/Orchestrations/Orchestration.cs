using System.Text.Json;

namespace Hearth.Durable.Orchestrations;

/// <summary>Marker for orchestration types; derive from <see cref="Orchestration{TInput, TState, TOutput}"/>.</summary>
public interface IOrchestration;

/// <summary>
/// An orchestration: a state machine reacting to events. Override <see cref="OnEvent"/>, switch on the event, mutate
/// <c>context.State</c> and emit commands through the context (call activities, start timers, wait for events,
/// complete, fail, continue as new). Instances are created once per host and must not keep fields between events.
/// </summary>
public abstract class Orchestration<TInput, TState, TOutput> : IOrchestration, IOrchestrationDefinition
    where TState : class, new()
{
    /// <summary>Reacts to one event. Exceptions fail the instance with their message.</summary>
    public abstract void OnEvent(OrchestrationContext<TInput, TState, TOutput> context, OrchestrationEvent e);

    void IOrchestrationDefinition.Apply(OrchestrationCore core, ref string inputJson, ref string stateJson, IReadOnlyList<StoredEvent> events)
    {
        var input = JsonSerializer.Deserialize<TInput>(inputJson, DurableJson.Options)!;
        var state = JsonSerializer.Deserialize<TState>(stateJson, DurableJson.Options) ?? new TState();
        var context = new OrchestrationContext<TInput, TState, TOutput>(core, input, state);
        foreach (var stored in events)
        {
            core.Apply(stored, e => OnEvent(context, e));
            if (core.IsFinished) break;
            if (core.ContinueAsNewInputJson is not null)
            {
                inputJson = core.ContinueAsNewInputJson;
                stateJson = "null";
                return; // the new generation starts in its own step
            }
        }
        stateJson = JsonSerializer.Serialize(context.State, DurableJson.Options);
    }
}

/// <summary>What the runner needs of an orchestration, independent of its type parameters.</summary>
internal interface IOrchestrationDefinition
{
    void Apply(OrchestrationCore core, ref string inputJson, ref string stateJson, IReadOnlyList<StoredEvent> events);
}
