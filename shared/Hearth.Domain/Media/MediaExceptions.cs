namespace Hearth.Media;

/// <summary>Content the store will not keep: wrong or unrecognised type, too large, empty. Trying again cannot help.</summary>
public sealed class MediaRejectedException(string message) : Exception(message);

/// <summary>
/// Copying a remote picture failed. <see cref="IsRetryable"/> is true for network trouble, timeouts, 408, 429 and 5xx;
/// false for other answers (a 404 means the provider has already deleted it).
/// </summary>
public sealed class MediaDownloadException(string message, bool isRetryable, int? statusCode = null, Exception? inner = null) : Exception(message, inner)
{
    public bool IsRetryable { get; } = isRetryable;

    public int? StatusCode { get; } = statusCode;
}
