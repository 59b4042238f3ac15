using Microsoft.Extensions.Logging;

namespace Hearth.Durable.Orchestrations;

/// <summary>
/// Everything an orchestration sees and can do while it reacts to one event. Reactions must be deterministic and do no
/// I/O: call an activity instead. Commands take effect when the step commits; a failed step is applied again from the
/// same stored state, so the reaction may run more than once for the same event but its effects are recorded once.
/// </summary>
public sealed class OrchestrationContext<TInput, TState, TOutput>
{
    private readonly OrchestrationCore _core;

    internal OrchestrationContext(OrchestrationCore core, TInput input, TState state)
    {
        _core = core;
        Input = input;
        State = state;
    }

    public string InstanceId => _core.InstanceId;

    /// <summary>The input the instance (or its current generation, after continue-as-new) started with.</summary>
    public TInput Input { get; }

    /// <summary>The orchestration's own state; mutate it freely, it is saved with the step.</summary>
    public TState State { get; set; }

    /// <summary>The step's time (the same for every event applied in one step).</summary>
    public DateTimeOffset CurrentTime => _core.Now;

    /// <summary>Activity calls dispatched or queued and not yet reported.</summary>
    public int ActivitiesInFlight => _core.Book.InFlight + _core.Book.Backlog;

    /// <summary>Bound on activities running at once (0: unbounded). Calls beyond it wait, in order, and start as others finish.</summary>
    public int MaxActivitiesInFlight
    {
        get => _core.Book.MaxInFlight;
        set => _core.Book.MaxInFlight = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public ILogger Logger => _core.Logger;

    public bool IsFinished => _core.IsFinished;

    /// <summary>Calls an activity; its result arrives as <see cref="ActivityCompleted"/> or <see cref="ActivityFailed"/> with this call id and tag.</summary>
    /// <param name="retry">Overrides the activity's registered retry policy for this call.</param>
    public string CallActivity(string name, object? input, string? tag = null, RetryPolicy? retry = null) =>
        _core.CallActivity(name, DurableJson.Serialize(input), tag, retry);

    /// <summary>Starts a durable timer; it survives restarts and arrives as <see cref="TimerFired"/>.</summary>
    public string CreateTimer(DateTimeOffset fireAt, string? tag = null) => _core.CreateTimer(fireAt, tag);

    /// <inheritdoc cref="CreateTimer(DateTimeOffset, string?)"/>
    public string CreateTimer(TimeSpan delay, string? tag = null) => _core.CreateTimer(_core.Now + delay, tag);

    /// <summary>Cancels a pending timer: it will not be delivered.</summary>
    public void CancelTimer(string timerId) => _core.CancelTimer(timerId);

    /// <summary>
    /// Waits for an external event. An event raised earlier and buffered is delivered right after this reaction;
    /// otherwise it arrives as <see cref="EventRaised"/>, or <see cref="EventWaitTimedOut"/> when the timeout passes first.
    /// </summary>
    public void WaitForEvent(string name, TimeSpan? timeout = null) => _core.WaitForEvent(name, timeout);

    /// <summary>Progress for whoever watches the instance (shown by the status API).</summary>
    public void SetCustomStatus(object? status) => _core.SetCustomStatus(status is null ? null : DurableJson.Serialize(status));

    public void Complete(TOutput output) => _core.Complete(DurableJson.Serialize(output));

    public void Fail(string reason) => _core.Fail(reason);

    /// <summary>Ends this generation and starts again with a new input and fresh state; pending calls of this generation are dropped.</summary>
    public void ContinueAsNew(TInput input) => _core.ContinueAsNew(DurableJson.Serialize(input));
}
