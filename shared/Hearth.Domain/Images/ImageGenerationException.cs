namespace Hearth.Images;

/// <summary>
/// A call to an image provider failed. <see cref="IsRetryable"/> says whether trying again can help (network trouble,
/// timeouts, 429 and 5xx answers) or not (other 4xx answers: a bad key, a bad request). Messages never contain secrets.
/// An activity should turn a non-retryable one into a permanent job failure and honour <see cref="RetryAfter"/>.
/// </summary>
public sealed class ImageGenerationException(string message, bool isRetryable, int? statusCode = null, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>True when the same call may succeed later.</summary>
    public bool IsRetryable { get; } = isRetryable;

    /// <summary>The HTTP status the provider answered, when it answered.</summary>
    public int? StatusCode { get; } = statusCode;

    /// <summary>How long the provider asked us to wait (its <c>Retry-After</c>), when it said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
