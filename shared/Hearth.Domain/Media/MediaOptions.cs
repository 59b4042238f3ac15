using Hearth.Settings;

namespace Hearth.Media;

/// <summary>
/// Settings of the media store (<c>Media:*</c>), bound once from configuration by <see cref="MediaRegistration"/> and
/// validated on start; the host's settings catalogue lists and checks the same class.
/// </summary>
[SettingsSection(Section)]
public sealed class MediaOptions : IValidatableSettings
{
    public const string Section = "Media";

    /// <summary>The host defaults it to <c>&lt;data dir&gt;/media</c>.</summary>
    [Setting("Folder holding pictures (an Azure Files mount in the cloud). Unset: media/ in the data folder (HEARTH_DATA_DIR or .data).")]
    public string? Root { get; set; }

    [Setting("Largest picture accepted, in bytes.")]
    public long MaxBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>When unset, a random key is generated once and kept in the database, so every replica signs alike.</summary>
    [Setting("Secret for signed media URLs (at least 32 characters). Unset: generated once and kept in the database.", Secret = true)]
    public string? SigningKey { get; set; }

    [Setting("Longest a copy of a provider's picture may take.")]
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    [Setting("Lifetime of a signed media URL handed out by the API (at most 7 days).")]
    public TimeSpan UrlLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Unset: API answers carry relative signed paths, which a web page on the same origin uses as they are.</summary>
    [Setting("Public address for media URLs in API answers. Unset: relative signed paths (/media/{id}?exp=…&sig=…).")]
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>The start check: the host's default root applies when none is set (as the registration's PostConfigure does).</summary>
    IEnumerable<SettingProblem> IValidatableSettings.Validate(SettingsContext context) =>
        SettingRules.Check(() => { if (string.IsNullOrWhiteSpace(Root)) Root = "media"; Validate(); }, context);

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
