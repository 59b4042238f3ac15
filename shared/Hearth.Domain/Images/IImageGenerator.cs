namespace Hearth.Images;

/// <summary>
/// Makes pictures: the Fal queue API in production, a placeholder painter when no Fal key is configured.
/// Submission is asynchronous: submit, then learn the outcome from a webhook (<see cref="IImageWebhookVerifier"/>)
/// or by polling <see cref="GetStatusAsync"/>, then read it with <see cref="GetResultAsync"/>.
/// Calls that fail throw <see cref="ImageGenerationException"/>, which says whether trying again can help.
/// </summary>
public interface IImageGenerator
{
    /// <summary>Short provider name recorded with each picture: <c>fal</c> or <c>placeholder</c>.</summary>
    string Provider { get; }

    /// <summary>True when pictures are stand-ins, to be labelled as such wherever they are shown.</summary>
    bool IsPlaceholder { get; }

    /// <summary>True when the provider reports completion through a webhook (otherwise poll, or the submission is already complete).</summary>
    bool UsesWebhooks { get; }

    /// <summary>
    /// Queues the request. <paramref name="webhookUrl"/> is where the provider reports completion (ignored by providers
    /// without webhooks). May be called more than once for one job (at-least-once activities): each call is a new submission.
    /// </summary>
    Task<ImageSubmission> SubmitAsync(ImageRequest request, Uri? webhookUrl, CancellationToken ct);

    /// <summary>Where the submission is now.</summary>
    Task<ImageJobStatus> GetStatusAsync(ImageSubmission submission, CancellationToken ct);

    /// <summary>The outcome of a completed submission: its images, or the provider's reason for failing.</summary>
    Task<ImageJobOutcome> GetResultAsync(ImageSubmission submission, CancellationToken ct);

    /// <summary>Asks the provider to stop a submission; harmless when it has already finished.</summary>
    Task CancelAsync(ImageSubmission submission, CancellationToken ct);
}

/// <summary>
/// A submitted request as the provider knows it. The URLs are the ones the provider returned (never built by us);
/// persist the whole record (it is small and JSON-friendly) to poll, read or cancel later.
/// </summary>
/// <param name="Provider">Which generator made it (<see cref="IImageGenerator.Provider"/>).</param>
/// <param name="RequestId">The provider's request id; webhooks name it, so it is the idempotency key of a completion.</param>
/// <param name="Model">The model that runs the request.</param>
/// <param name="Request">What was asked (the placeholder painter redraws from it).</param>
/// <param name="StatusUrl">Poll here for status (Fal's <c>status_url</c>).</param>
/// <param name="ResponseUrl">Read the result here (Fal's <c>response_url</c>).</param>
/// <param name="CancelUrl">Cancel here (Fal's <c>cancel_url</c>).</param>
/// <param name="CompletedAtSubmit">True when the outcome is ready at once (the placeholder painter): skip waiting.</param>
public sealed record ImageSubmission(
    string Provider,
    string RequestId,
    string Model,
    ImageRequest Request,
    Uri? StatusUrl,
    Uri? ResponseUrl,
    Uri? CancelUrl,
    bool CompletedAtSubmit = false);

/// <summary>Where a submission is in the provider's queue.</summary>
public enum ImageJobState
{
    Queued,
    InProgress,
    Completed,
}

/// <summary>A status poll's answer. <paramref name="Error"/> is the provider's reason when it completed with a failure.</summary>
public sealed record ImageJobStatus(ImageJobState State, int? QueuePosition = null, string? Error = null);

/// <summary>One picture a provider made: a URL to copy from (the provider deletes it later) or the bytes themselves.</summary>
/// <param name="Url">Where to download it; null when <paramref name="Content"/> holds the bytes.</param>
/// <param name="Content">The bytes, for generators that paint locally; null when <paramref name="Url"/> is set.</param>
/// <param name="ContentType">The media type the provider declared, e.g. <c>image/png</c>.</param>
public sealed record GeneratedImage(Uri? Url, byte[]? Content, string ContentType, int? Width, int? Height);

/// <summary>How a submission ended.</summary>
public enum ImageJobOutcomeKind
{
    /// <summary>Images are ready (<see cref="ImageJobOutcome.Images"/>).</summary>
    Succeeded,

    /// <summary>The provider failed the request; <see cref="ImageJobOutcome.Error"/> holds its reason.</summary>
    Failed,

    /// <summary>
    /// The provider finished but could not put the result in its notification (Fal's <c>payload_error</c>):
    /// read it with <see cref="IImageGenerator.GetResultAsync"/>.
    /// </summary>
    ResultNotDelivered,
}

/// <summary>The end of a submission, from a webhook or from reading the result.</summary>
public sealed record ImageJobOutcome(string RequestId, ImageJobOutcomeKind Kind, IReadOnlyList<GeneratedImage> Images, string? Error)
{
    public static ImageJobOutcome Success(string requestId, IReadOnlyList<GeneratedImage> images) => new(requestId, ImageJobOutcomeKind.Succeeded, images, null);

    public static ImageJobOutcome Failure(string requestId, string error) => new(requestId, ImageJobOutcomeKind.Failed, [], error);
}
