namespace Hearth.Durable.Jobs;

/// <summary>What a job row runs.</summary>
public enum JobKind : short
{
    /// <summary>A queue-triggered or timer-triggered function.</summary>
    Function = 0,
    /// <summary>An orchestration's activity call.</summary>
    Activity = 1,
    /// <summary>An orchestration's durable timer; fires when due.</summary>
    Timer = 2,
    /// <summary>Applies an orchestration instance's pending events.</summary>
    OrchestrationStep = 3,
}

/// <summary>Where a job is in its life. Ready and Running are unfinished; the rest are final.</summary>
public enum JobState
{
    Ready,
    Running,
    Succeeded,
    Dead,
    Cancelled,
}

internal static class JobStates
{
    public static string ToSql(this JobState state) => state switch
    {
        JobState.Ready => "ready",
        JobState.Running => "running",
        JobState.Succeeded => "succeeded",
        JobState.Dead => "dead",
        JobState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static JobState Parse(string value) => value switch
    {
        "ready" => JobState.Ready,
        "running" => JobState.Running,
        "succeeded" => JobState.Succeeded,
        "dead" => JobState.Dead,
        "cancelled" => JobState.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown job state."),
    };
}
