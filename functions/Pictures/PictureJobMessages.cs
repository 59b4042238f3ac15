using Hearth.Images;

namespace Hearth.Functions.Pictures;

// What the picture orchestration and its activities exchange. Small on purpose: ids, URLs and reasons, never picture
// bytes (activities copy pictures straight into the media store and pass media ids on).

/// <summary>Input of the picture orchestration. <paramref name="Pacing"/> is the configuration as it was at the start.</summary>
public sealed record PictureJobInput(string JobId, string OwnerId, PictureKind Kind, PicturePacing Pacing);

/// <summary>The timing a job runs with (from <see cref="PicturesOptions"/>, fixed when the job starts).</summary>
public sealed record PicturePacing(
    TimeSpan WebhookTimeout,
    TimeSpan PollInterval,
    double PollBackoff,
    TimeSpan MaxPollInterval,
    TimeSpan Deadline,
    int SubmitAttempts,
    TimeSpan SubmitRetryInterval)
{
    public static PicturePacing From(PicturesOptions o) =>
        new(o.WebhookTimeout, o.PollInterval, o.PollBackoff, o.MaxPollInterval, o.Deadline, o.SubmitAttempts, o.SubmitRetryInterval);

    /// <summary>Wait after the <paramref name="polls"/>-th poll (1-based).</summary>
    public TimeSpan PollDelay(int polls)
    {
        var ms = PollInterval.TotalMilliseconds * Math.Pow(PollBackoff, Math.Max(0, polls - 1));
        return TimeSpan.FromMilliseconds(Math.Min(double.IsFinite(ms) ? ms : double.MaxValue, MaxPollInterval.TotalMilliseconds));
    }

    /// <summary>Wait after the <paramref name="attempt"/>-th failed submission (1-based), at least <paramref name="retryAfter"/>.</summary>
    public TimeSpan SubmitDelay(int attempt, TimeSpan? retryAfter)
    {
        var ms = Math.Min(SubmitRetryInterval.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 1)), TimeSpan.FromMinutes(1).TotalMilliseconds);
        var delay = TimeSpan.FromMilliseconds(ms);
        if (retryAfter is { } asked && asked > delay) delay = asked < TimeSpan.FromMinutes(10) ? asked : TimeSpan.FromMinutes(10);
        return delay;
    }
}

/// <summary>Where a picture job is inside its orchestration (shown as progress).</summary>
public enum PicturePhase
{
    Submitting,
    WaitingForWebhook,
    Polling,
    Storing,
    Delivering,
    Failing,
}

/// <summary>The orchestration's own state.</summary>
public sealed class PictureJobState
{
    public PicturePhase Phase { get; set; } = PicturePhase.Submitting;
    public int SubmitAttempts { get; set; }
    public string? RequestId { get; set; }
    public int Polls { get; set; }
    public DateTimeOffset? Deadline { get; set; }
    public string? PollTimerId { get; set; }
    public string? LastError { get; set; }
    public string? FailureReason { get; set; }
    public List<string> MediaIds { get; set; } = [];
}

/// <summary>The orchestration's output: the stored pictures and the chat message that shows them (null for a base portrait).</summary>
public sealed record PictureJobOutput(string JobId, IReadOnlyList<string> MediaIds, string? MessageId);

/// <summary>Progress as custom status: <c>{ phase, requestId, submitAttempts, polls, deadline, lastError }</c>.</summary>
public sealed record PictureProgress(PicturePhase Phase, string? RequestId, int SubmitAttempts, int Polls, DateTimeOffset? Deadline, string? LastError);

/// <summary>The external event a verified webhook raises (<see cref="PictureOrchestration.ResultEvent"/>).</summary>
/// <param name="Images">Where the provider put the pictures (URLs only); empty unless <paramref name="Kind"/> is Succeeded.</param>
public sealed record PictureResultEvent(string RequestId, ImageJobOutcomeKind Kind, string? Error, IReadOnlyList<ResultImage> Images)
{
    public static PictureResultEvent From(ImageJobOutcome outcome) => new(
        outcome.RequestId,
        outcome.Kind,
        outcome.Error,
        outcome.Images.Where(i => i.Url is not null).Select(i => new ResultImage(i.Url!, i.ContentType, i.Width, i.Height)).ToList());
}

/// <summary>A picture at the provider, to copy.</summary>
public sealed record ResultImage(Uri Url, string? ContentType, int? Width, int? Height);

/// <summary>Input of the submit activity.</summary>
public sealed record SubmitPictureInput(string JobId, int Attempt);

/// <summary>How a submission went.</summary>
public enum SubmitOutcome
{
    Submitted,
    RetryableFailure,
    PermanentFailure,
}

/// <summary>The submit activity's answer (failures are answers, so the orchestration can honour Retry-After).</summary>
public sealed record SubmitPictureResult(SubmitOutcome Outcome, string? RequestId, bool CompletedAtSubmit, bool WebhookRequested, string? Error, TimeSpan? RetryAfter)
{
    public static SubmitPictureResult Submitted(string requestId, bool completedAtSubmit, bool webhookRequested) =>
        new(SubmitOutcome.Submitted, requestId, completedAtSubmit, webhookRequested, null, null);

    public static SubmitPictureResult Retryable(string error, TimeSpan? retryAfter) => new(SubmitOutcome.RetryableFailure, null, false, false, error, retryAfter);

    public static SubmitPictureResult Permanent(string error) => new(SubmitOutcome.PermanentFailure, null, false, false, error, null);
}

/// <summary>What a status poll found.</summary>
public enum PollOutcome
{
    /// <summary>Not done yet, or the provider could not be asked right now (<see cref="PollPictureResult.Error"/>).</summary>
    Pending,
    Completed,
    Failed,
}

/// <summary>The poll activity's answer.</summary>
public sealed record PollPictureResult(PollOutcome Outcome, string? Error);

/// <summary>Input of the copy activity: the pictures named by the webhook, or null to read the result from the provider.</summary>
public sealed record StorePictureInput(string JobId, IReadOnlyList<ResultImage>? Images);

/// <summary>The copy activity's answer: media ids, or why the pictures cannot be had.</summary>
public sealed record StorePictureResult(IReadOnlyList<string> MediaIds, string? Error);

/// <summary>The delivery activity's answer.</summary>
public sealed record DeliverPictureResult(bool Delivered, string? MessageId, string? Error);

/// <summary>Input of the failure activity: record the reason, and cancel at the provider when asked.</summary>
public sealed record FailPictureInput(string JobId, string Reason, bool CancelAtProvider);
