using System.Diagnostics;
using System.Diagnostics.Metrics;
using Hearth.Durable.Jobs;

namespace Hearth.Durable;

/// <summary>
/// Traces and metrics of the durable runtime, for OpenTelemetry (the host subscribes to <see cref="Name"/>): one span per
/// job run (functions, activities, orchestration steps, timers), and the count and duration of runs by function and outcome.
/// </summary>
public static class DurableTelemetry
{
    public const string Name = "Hearth.Durable";

    internal static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>(
        "hearth.job.duration", unit: "s", description: "How long job runs took, by function, kind and outcome.");

    internal static Activity? StartRun(JobRecord job)
    {
        var activity = Source.StartActivity($"job {job.Queue}", ActivityKind.Consumer);
        if (activity is null) return null;
        activity.SetTag("hearth.job.id", job.Id);
        activity.SetTag("hearth.job.function", job.Queue);
        activity.SetTag("hearth.job.kind", job.Kind.ToString());
        activity.SetTag("hearth.job.attempt", job.Attempt);
        if (job.InstanceId is not null) activity.SetTag("hearth.orchestration.instance_id", job.InstanceId);
        return activity;
    }

    internal static void EndRun(Activity? activity, JobRecord job, JobOutcome? outcome, TimeSpan elapsed)
    {
        var result = outcome is null ? "handed_back" : outcome.Error is null ? "succeeded" : outcome.Dead ? "dead" : "retrying";
        if (activity is not null)
        {
            activity.SetTag("hearth.job.outcome", result);
            if (outcome?.Error is { } error) activity.SetStatus(ActivityStatusCode.Error, error);
        }
        RunDuration.Record(elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("hearth.job.function", job.Queue),
            new KeyValuePair<string, object?>("hearth.job.kind", job.Kind.ToString()),
            new KeyValuePair<string, object?>("hearth.job.outcome", result));
    }
}
