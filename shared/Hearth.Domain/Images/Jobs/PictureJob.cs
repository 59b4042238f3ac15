using System.Text.Json.Serialization;

namespace Hearth.Images.Jobs;

/// <summary>Where a picture job is, as the API shows it: queued → submitted → running → succeeded or failed.</summary>
public enum PictureJobStatus
{
    /// <summary>Created; the orchestration has not submitted it yet.</summary>
    [JsonStringEnumMemberName("queued")] Queued,

    /// <summary>The image provider accepted it.</summary>
    [JsonStringEnumMemberName("submitted")] Submitted,

    /// <summary>The provider is drawing it, or its result is being copied and delivered.</summary>
    [JsonStringEnumMemberName("running")] Running,

    /// <summary>Stored in the media store and delivered (posted into the chat, or set as the base portrait).</summary>
    [JsonStringEnumMemberName("succeeded")] Succeeded,

    /// <summary>Ended without a picture; <see cref="PictureJob.Reason"/> says why.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>A picture a job produced: a media-store item.</summary>
public sealed record PictureJobImage(int Position, string MediaId, string ContentType, int? Width, int? Height);

/// <summary>
/// One picture job (a row of <c>images.jobs</c>). Its id is also the id of the orchestration that makes it.
/// <paramref name="Submission"/> is what the provider answered (without any inline reference image), kept to poll,
/// read and cancel.
/// </summary>
public sealed record PictureJob(
    string Id,
    string OwnerId,
    string AgentId,
    PictureKind Kind,
    string? Prompt,
    string? SessionId,
    string? RequestedByMessageId,
    PictureJobStatus Status,
    string? Reason,
    string? Provider,
    bool IsPlaceholder,
    string? RequestId,
    bool WebhookRequested,
    ImageSubmission? Submission,
    string? MessageId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SubmittedAt,
    DateTimeOffset? RunningAt,
    DateTimeOffset? FinishedAt,
    IReadOnlyList<PictureJobImage> Images)
{
    /// <summary>True once the job succeeded or failed; nothing changes it after that.</summary>
    public bool IsFinished => Status is PictureJobStatus.Succeeded or PictureJobStatus.Failed;

    /// <summary>Status text as stored and shown (<c>queued</c>, <c>submitted</c>, …).</summary>
    public static string ToText(PictureJobStatus status) => status switch
    {
        PictureJobStatus.Queued => "queued",
        PictureJobStatus.Submitted => "submitted",
        PictureJobStatus.Running => "running",
        PictureJobStatus.Succeeded => "succeeded",
        PictureJobStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>The status of its stored text.</summary>
    public static PictureJobStatus ParseStatus(string text) => text switch
    {
        "queued" => PictureJobStatus.Queued,
        "submitted" => PictureJobStatus.Submitted,
        "running" => PictureJobStatus.Running,
        "succeeded" => PictureJobStatus.Succeeded,
        "failed" => PictureJobStatus.Failed,
        _ => throw new FormatException($"Unknown picture job status '{text}'."),
    };
}
