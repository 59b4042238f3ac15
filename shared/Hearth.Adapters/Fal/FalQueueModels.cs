namespace Hearth.Adapters.Fal;

/// <summary>
/// Fal's answer to a submission. Keep it: the URLs are where to poll, read and cancel (never build them yourself;
/// Fal drops the model's sub-path from them, for one).
/// </summary>
public sealed record FalSubmission(string RequestId, Uri StatusUrl, Uri ResponseUrl, Uri CancelUrl, string? GatewayRequestId);

/// <summary>Fal's queue states.</summary>
public enum FalRequestState
{
    InQueue,
    InProgress,
    Completed,
}

/// <summary>A status answer. <paramref name="Error"/> is set when Fal completed the request with a failure.</summary>
public sealed record FalQueueStatus(FalRequestState State, int? QueuePosition, Uri? ResponseUrl, string? Error);

/// <summary>One image in a result, as Fal describes it (the URL is Fal's; it expires).</summary>
public sealed record FalImage(Uri Url, string? ContentType, int? Width, int? Height);

/// <summary>A completed request's images.</summary>
public sealed record FalResult(IReadOnlyList<FalImage> Images);

/// <summary>What Fal did with a cancellation.</summary>
public enum FalCancelOutcome
{
    CancellationRequested,
    AlreadyCompleted,
    NotFound,
}
