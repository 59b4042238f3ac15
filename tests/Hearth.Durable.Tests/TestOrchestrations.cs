using Hearth.Durable.Orchestrations;

namespace Hearth.Durable.Tests;

/// <summary>Calls "add-one" N times in sequence, threading the value through.</summary>
public sealed class SequenceOrchestration : Orchestration<int, SequenceOrchestration.Progress, int>
{
    public sealed class Progress
    {
        public int Step { get; set; }
        public int Value { get; set; }
    }

    public override void OnEvent(OrchestrationContext<int, Progress, int> context, OrchestrationEvent e)
    {
        switch (e)
        {
            case OrchestrationStarted:
                context.CallActivity("add-one", 0);
                break;
            case ActivityCompleted done:
                context.State.Value = done.GetResult<int>();
                context.State.Step++;
                context.SetCustomStatus(new { step = context.State.Step });
                if (context.State.Step == context.Input) context.Complete(context.State.Value);
                else context.CallActivity("add-one", context.State.Value);
                break;
        }
    }
}

/// <summary>Squares 1..N with a bound on activities in flight and sums the results.</summary>
public sealed class FanOutOrchestration : Orchestration<FanOutOrchestration.Input, FanOutOrchestration.Sum, long>
{
    public sealed record Input(int Count, int MaxInFlight);

    public sealed class Sum
    {
        public long Total { get; set; }
        public int Done { get; set; }
    }

    public override void OnEvent(OrchestrationContext<Input, Sum, long> context, OrchestrationEvent e)
    {
        switch (e)
        {
            case OrchestrationStarted:
                context.MaxActivitiesInFlight = context.Input.MaxInFlight;
                for (var i = 1; i <= context.Input.Count; i++) context.CallActivity("square", i);
                break;
            case ActivityCompleted done:
                context.State.Total += done.GetResult<long>();
                context.State.Done++;
                context.SetCustomStatus(new { done = context.State.Done, of = context.Input.Count });
                if (context.State.Done == context.Input.Count) context.Complete(context.State.Total);
                break;
            case ActivityFailed failed:
                context.Fail(failed.Error);
                break;
        }
    }
}

/// <summary>Waits for "approval" (with an optional timeout), then completes with what it got.</summary>
public sealed class ApprovalOrchestration : Orchestration<ApprovalOrchestration.Input, ApprovalOrchestration.Nothing, string>
{
    public sealed record Input(int TimeoutMs, bool WaitAfterActivity);

    public sealed class Nothing;

    public override void OnEvent(OrchestrationContext<Input, Nothing, string> context, OrchestrationEvent e)
    {
        switch (e)
        {
            case OrchestrationStarted when context.Input.WaitAfterActivity:
                context.CallActivity("add-one", 1);
                break;
            case OrchestrationStarted:
            case ActivityCompleted:
                context.WaitForEvent("approval", context.Input.TimeoutMs > 0 ? TimeSpan.FromMilliseconds(context.Input.TimeoutMs) : null);
                break;
            case EventRaised raised:
                context.Complete("approved by " + raised.GetData<string>());
                break;
            case EventWaitTimedOut:
                context.Complete("timed out");
                break;
        }
    }
}

/// <summary>Calls an activity that always fails and recovers with a fallback activity.</summary>
public sealed class RecoveringOrchestration : Orchestration<int, RecoveringOrchestration.Nothing, string>
{
    public sealed class Nothing;

    public override void OnEvent(OrchestrationContext<int, Nothing, string> context, OrchestrationEvent e)
    {
        switch (e)
        {
            case OrchestrationStarted:
                context.CallActivity("always-fails", context.Input, tag: "primary",
                    retry: new RetryPolicy(3, TimeSpan.FromMilliseconds(20)));
                break;
            case ActivityFailed { Tag: "primary" } failed:
                context.SetCustomStatus(new { primaryError = failed.Error, failed.Attempts });
                context.CallActivity("add-one", context.Input, tag: "fallback");
                break;
            case ActivityCompleted { Tag: "fallback" } done:
                context.Complete($"fallback gave {done.GetResult<int>()}");
                break;
        }
    }
}

/// <summary>Counts down by continuing as new until zero; each generation's state starts empty.</summary>
public sealed class CountdownOrchestration : Orchestration<int, CountdownOrchestration.Seen, string>
{
    public sealed class Seen
    {
        public int Events { get; set; }
    }

    public override void OnEvent(OrchestrationContext<int, Seen, string> context, OrchestrationEvent e)
    {
        context.State.Events++;
        if (e is not OrchestrationStarted) return;
        if (context.State.Events != 1) context.Fail("state leaked across generations");
        else if (context.Input == 0) context.Complete("lift-off");
        else context.ContinueAsNew(context.Input - 1);
    }
}

/// <summary>Sleeps on a durable timer, then completes.</summary>
public sealed class SleeperOrchestration : Orchestration<int, SleeperOrchestration.Nothing, string>
{
    public sealed class Nothing;

    public override void OnEvent(OrchestrationContext<int, Nothing, string> context, OrchestrationEvent e)
    {
        switch (e)
        {
            case OrchestrationStarted:
                context.CreateTimer(TimeSpan.FromMilliseconds(context.Input), tag: "nap");
                break;
            case TimerFired { Tag: "nap" }:
                context.Complete("rested");
                break;
        }
    }
}
