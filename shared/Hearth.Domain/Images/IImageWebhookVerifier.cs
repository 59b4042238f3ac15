namespace Hearth.Images;

/// <summary>
/// Checks that a webhook really comes from the image provider and reads it. Stateless: the same delivery verifies
/// every time it arrives, so idempotency (on <see cref="WebhookVerification.Verified.RequestId"/>) is the receiver's job.
/// </summary>
public interface IImageWebhookVerifier
{
    /// <summary>
    /// Verifies <paramref name="body"/> (the raw bytes as received; never re-serialised JSON) against the signature
    /// headers, at time <paramref name="now"/>. Header names are matched case-insensitively.
    /// </summary>
    Task<WebhookVerification> VerifyAsync(IReadOnlyDictionary<string, string> headers, ReadOnlyMemory<byte> body, DateTimeOffset now, CancellationToken ct);
}

/// <summary>The verdict on one webhook delivery.</summary>
public abstract record WebhookVerification
{
    private WebhookVerification() { }

    /// <summary>Signed by the provider, fresh, and well formed.</summary>
    public sealed record Verified(string RequestId, ImageJobOutcome Outcome) : WebhookVerification;

    /// <summary>Not to be trusted (answer 401): forged, stale, tampered or malformed. The reason is safe to log.</summary>
    public sealed record Rejected(string Reason) : WebhookVerification;

    /// <summary>Could not be checked now (the provider's keys could not be fetched): answer 503 so the provider retries.</summary>
    public sealed record Unavailable(string Reason) : WebhookVerification;
}
