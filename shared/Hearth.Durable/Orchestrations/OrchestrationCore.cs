using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Hearth.Durable.Orchestrations;

/// <summary>
/// Applies stored events to one instance in memory and collects the commands its reactions emit. Pure: no I/O;
/// the runner loads the instance before and writes the result after, in one transaction.
/// </summary>
internal sealed class OrchestrationCore(string instanceId, int generation, InstanceBook book, DateTimeOffset now, Func<string, bool> isActivity, ILogger logger)
{
    private readonly Queue<OrchestrationEvent> _deliveries = new();

    public string InstanceId { get; } = instanceId;
    public int Generation { get; private set; } = generation;
    public InstanceBook Book { get; private set; } = book;
    public DateTimeOffset Now { get; } = now;
    public ILogger Logger { get; } = logger;

    public OrchestrationRuntimeStatus? FinalStatus { get; private set; }
    public string? OutputJson { get; private set; }
    public string? Error { get; private set; }
    public string? CustomStatusJson { get; private set; }
    public bool CustomStatusChanged { get; private set; }
    public string? ContinueAsNewInputJson { get; private set; }

    public List<NewCall> Calls { get; } = [];
    public List<NewCall> Backlogged { get; } = [];
    public List<(string TimerId, DateTimeOffset FireAt)> NewTimers { get; } = [];

    public bool IsFinished => FinalStatus is not null;

    /// <summary>Sequence number of the last stored event consumed by this step.</summary>
    public long LastSeq { get; private set; }

    /// <summary>Applies one stored event; unknown, stale and duplicate events are dropped here.</summary>
    public void Apply(StoredEvent stored, Action<OrchestrationEvent> deliver)
    {
        if (ContinueAsNewInputJson is not null) return; // later events belong to the next generation's step
        LastSeq = stored.Seq;
        if (IsFinished) return;
        var e = Translate(stored);
        if (e is null) return;
        _deliveries.Enqueue(e);
        while (_deliveries.Count > 0 && !IsFinished && ContinueAsNewInputJson is null)
        {
            var next = _deliveries.Dequeue();
            try
            {
                deliver(next);
            }
            catch (Exception ex)
            {
                Fail($"The orchestration threw while handling {next.GetType().Name}: {ex.GetType().Name}: {ex.Message}");
                Logger.LogError(ex, "Orchestration {InstanceId} failed in its event handler", InstanceId);
            }
        }
    }

    private OrchestrationEvent? Translate(StoredEvent stored)
    {
        switch (stored.Kind)
        {
            case "started":
                if (Book.Started) return null;
                Book.Started = true;
                return new OrchestrationStarted();
            case "activity_completed" or "activity_failed":
            {
                var (callGeneration, tag) = CallIds.Parse(stored.CallId!);
                if (callGeneration != Generation) return null;
                Book.InFlight = Math.Max(0, Book.InFlight - 1);
                if (stored.Kind == "activity_completed")
                    return new ActivityCompleted(stored.CallId!, stored.Name!, tag, stored.Payload ?? default);
                var payload = stored.Payload ?? default;
                var error = payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("error", out var err) ? err.GetString() ?? "" : "";
                var attempts = payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("attempts", out var att) ? att.GetInt32() : 0;
                return new ActivityFailed(stored.CallId!, stored.Name!, tag, error, attempts);
            }
            case "timer_fired":
            {
                var (timerGeneration, tag) = CallIds.Parse(stored.CallId!);
                if (timerGeneration != Generation || !Book.Timers.Remove(stored.CallId!, out var waitName)) return null;
                if (waitName is null) return new TimerFired(stored.CallId!, tag);
                if (Book.Waits.TryGetValue(waitName, out var waitTimer) && waitTimer == stored.CallId)
                {
                    Book.Waits.Remove(waitName);
                    return new EventWaitTimedOut(waitName);
                }
                return null;
            }
            case "event_raised":
            {
                var data = stored.Payload ?? default;
                if (Book.Waits.Remove(stored.Name!, out var timeoutTimer))
                {
                    if (timeoutTimer is not null) Book.Timers.Remove(timeoutTimer);
                    return new EventRaised(stored.Name!, data);
                }
                if (!Book.Buffered.TryGetValue(stored.Name!, out var buffer))
                    Book.Buffered[stored.Name!] = buffer = [];
                buffer.Add(data.Clone());
                return null;
            }
            case "terminate":
                FinalStatus = OrchestrationRuntimeStatus.Terminated;
                Error = stored.Name is { Length: > 0 } reason ? reason : "Terminated.";
                return null;
            default:
                Logger.LogWarning("Orchestration {InstanceId}: ignoring unknown event kind {Kind}", InstanceId, stored.Kind);
                return null;
        }
    }

    public string CallActivity(string name, string inputJson, string? tag, RetryPolicy? retry)
    {
        EnsureActive();
        if (!isActivity(name))
            throw new InvalidOperationException($"No activity named '{name}' is registered.");
        if (tag is not null && tag.Contains(':')) throw new ArgumentException("A tag may not contain ':'.", nameof(tag));
        var callId = CallIds.Create(Generation, ++Book.Seq, tag);
        var call = new NewCall(name, callId, inputJson, retry?.Validate());
        if (Book.Backlog > 0 || (Book.MaxInFlight > 0 && Book.InFlight >= Book.MaxInFlight))
        {
            Backlogged.Add(call);
            Book.Backlog++;
        }
        else
        {
            Calls.Add(call);
            Book.InFlight++;
        }
        return callId;
    }

    public string CreateTimer(DateTimeOffset fireAt, string? tag, string? forWait = null)
    {
        EnsureActive();
        var timerId = CallIds.Create(Generation, ++Book.Seq, tag);
        Book.Timers[timerId] = forWait;
        NewTimers.Add((timerId, fireAt));
        return timerId;
    }

    public void CancelTimer(string timerId) => Book.Timers.Remove(timerId);

    public void WaitForEvent(string name, TimeSpan? timeout)
    {
        EnsureActive();
        if (Book.Buffered.TryGetValue(name, out var buffer) && buffer.Count > 0)
        {
            var data = buffer[0];
            buffer.RemoveAt(0);
            if (buffer.Count == 0) Book.Buffered.Remove(name);
            _deliveries.Enqueue(new EventRaised(name, data));
            return;
        }
        if (Book.Waits.TryGetValue(name, out var existing))
        {
            if (existing is not null) Book.Timers.Remove(existing);
        }
        Book.Waits[name] = timeout is { } t ? CreateTimer(Now + t, null, forWait: name) : null;
    }

    public void SetCustomStatus(string? json)
    {
        CustomStatusJson = json;
        CustomStatusChanged = true;
    }

    public void Complete(string outputJson)
    {
        EnsureActive();
        FinalStatus = OrchestrationRuntimeStatus.Completed;
        OutputJson = outputJson;
    }

    public void Fail(string reason)
    {
        if (IsFinished) return;
        FinalStatus = OrchestrationRuntimeStatus.Failed;
        Error = reason;
    }

    public void ContinueAsNew(string inputJson)
    {
        EnsureActive();
        ContinueAsNewInputJson = inputJson;
    }

    /// <summary>After continue-as-new: a fresh book for the next generation (calls of this one become stale).</summary>
    public void StartNextGeneration()
    {
        Generation++;
        Book = new InstanceBook();
        Calls.Clear();
        Backlogged.Clear();
        NewTimers.Clear();
    }

    /// <summary>Status after the step, when not final. An instance with nothing pending that has not finished fails: it could never move again.</summary>
    public OrchestrationRuntimeStatus ResolveStatus()
    {
        if (FinalStatus is { } final) return final;
        if (ContinueAsNewInputJson is not null) return OrchestrationRuntimeStatus.Running;
        if (!Book.Started) return OrchestrationRuntimeStatus.Pending;
        var busy = Book.InFlight > 0 || Book.Backlog > 0 || Book.Timers.Count > 0;
        if (!busy && Book.Waits.Count == 0)
        {
            Fail("The orchestration is idle: it has nothing in flight, waits for nothing, and did not complete.");
            return OrchestrationRuntimeStatus.Failed;
        }
        return !busy ? OrchestrationRuntimeStatus.Waiting : OrchestrationRuntimeStatus.Running;
    }

    private void EnsureActive()
    {
        if (IsFinished) throw new InvalidOperationException("The orchestration has already finished.");
        if (ContinueAsNewInputJson is not null) throw new InvalidOperationException("The orchestration is continuing as new.");
    }
}

/// <summary>An event row as loaded from durable.events.</summary>
internal sealed record StoredEvent(long Seq, string Kind, string? Name, string? CallId, JsonElement? Payload);

/// <summary>An activity call to dispatch (or backlog).</summary>
internal sealed record NewCall(string Name, string CallId, string InputJson, RetryPolicy? Retry);
