namespace Hearth.Media;

/// <summary>Settings of the media store, bound from the <c>Media</c> configuration section.</summary>
public sealed class MediaOptions
{
    public const string Section = "Media";

    /// <summary>Folder holding the pictures (<c>Media:Root</c>); the host defaults it to <c>&lt;data dir&gt;/media</c>. An Azure Files mount in the cloud.</summary>
    public string? Root { get; set; }

    /// <summary>Largest picture accepted, in bytes (<c>Media:MaxBytes</c>).</summary>
    public long MaxBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>
    /// Secret for signed media URLs (<c>Media:SigningKey</c>), at least 32 characters. When unset, a random key is
    /// generated once and kept in the database, so every replica signs alike.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>Longest a remote download may take, headers and body (<c>Media:DownloadTimeout</c>).</summary>
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a signed URL stays valid when the caller does not say (<c>Media:UrlLifetime</c>).</summary>
    public TimeSpan UrlLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The public address of this host for media URLs in API answers (<c>Media:PublicBaseUrl</c>). Unset: API answers carry
    /// relative signed paths (<c>/media/{id}?exp=…&amp;sig=…</c>), which a web page on the same origin uses as they are.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>Throws naming the first setting that is missing or out of range.</summary>
    public MediaOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(Root)) throw new InvalidOperationException("Media:Root is required: the folder that holds pictures.");
        if (MaxBytes is < 1024 or > 1L << 31) throw new InvalidOperationException($"Media:MaxBytes must be between 1 KiB and 2 GiB (is {MaxBytes}).");
        if (SigningKey is { } key && key.Length < MediaUrlSigner.MinimumKeyLength)
            throw new InvalidOperationException($"Media:SigningKey must be at least {MediaUrlSigner.MinimumKeyLength} characters; leave it unset to use a generated key.");
        if (DownloadTimeout <= TimeSpan.Zero) throw new InvalidOperationException("Media:DownloadTimeout must be positive.");
        if (UrlLifetime <= TimeSpan.Zero || UrlLifetime > MediaUrlSigner.MaxLifetime)
            throw new InvalidOperationException($"Media:UrlLifetime must be positive and at most {MediaUrlSigner.MaxLifetime.TotalDays} days.");
        if (PublicBaseUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("https" or "http")))
            throw new InvalidOperationException("Media:PublicBaseUrl must be an absolute http(s) URL.");
        return this;
    }
}
