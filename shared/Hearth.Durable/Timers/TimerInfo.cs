namespace Hearth.Durable.Timers;

/// <summary>What a timer-triggered function is told about the occurrence it runs for (as in Azure Functions).</summary>
/// <param name="ScheduledTime">The occurrence this run is for.</param>
/// <param name="IsPastDue">True when the run is a catch-up after the schedule was missed (downtime, or a long previous run).</param>
/// <param name="Next">The next occurrence.</param>
public sealed record TimerInfo(DateTimeOffset ScheduledTime, bool IsPastDue, DateTimeOffset Next);

/// <summary>A timer-triggered function. Runs once per occurrence across all hosts, never overlapping itself.</summary>
public interface ITimerFunction
{
    Task RunAsync(TimerInfo timer, Jobs.JobContext context, CancellationToken ct);
}
