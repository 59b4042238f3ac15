using Microsoft.Extensions.Options;

namespace Hearth.Media;

/// <summary>
/// Signed media URLs with the server's key: <c>Media:SigningKey</c> when set, otherwise a generated key kept in the
/// database (<c>media.secret_keys</c>, name <see cref="StoredKeyName"/>). The host's <c>GET /media/{id}</c> calls
/// <see cref="ValidateAsync"/>; the image flow calls <see cref="CreateUrlAsync"/> to hand Fal the base portrait.
/// </summary>
public sealed class MediaUrls(IOptions<MediaOptions> options, ISecretKeyStore secrets, TimeProvider time)
{
    public const string StoredKeyName = "media-url-signing";

    private readonly ConfiguredOrStoredSecret _secret = new(options.Value.SigningKey, StoredKeyName, secrets);
    private MediaUrlSigner? _signer;

    /// <summary>The signer with the server's key.</summary>
    public async ValueTask<MediaUrlSigner> GetSignerAsync(CancellationToken ct) =>
        _signer ??= new MediaUrlSigner(await _secret.GetAsync(ct));

    /// <summary>A signed path (<c>/media/{id}?exp=…&amp;sig=…</c>) valid for <paramref name="lifetime"/> (default <c>Media:UrlLifetime</c>).</summary>
    public async Task<string> CreatePathAsync(string id, TimeSpan? lifetime, CancellationToken ct) =>
        (await GetSignerAsync(ct)).CreatePath(id, ExpiryFor(lifetime));

    /// <summary>A signed absolute URL under <paramref name="publicBaseUrl"/>.</summary>
    public async Task<Uri> CreateUrlAsync(Uri publicBaseUrl, string id, TimeSpan? lifetime, CancellationToken ct) =>
        (await GetSignerAsync(ct)).CreateUrl(publicBaseUrl, id, ExpiryFor(lifetime));

    /// <summary>
    /// A signed link for API answers: absolute under <c>Media:PublicBaseUrl</c> when it is set, otherwise the relative path
    /// (the web UI is served from the same origin), valid for <c>Media:UrlLifetime</c>.
    /// </summary>
    public async Task<string> CreateLinkAsync(string id, CancellationToken ct) => options.Value.PublicBaseUrl is { } publicBase
        ? (await CreateUrlAsync(publicBase, id, null, ct)).AbsoluteUri
        : await CreatePathAsync(id, null, ct);

    /// <summary>Checks a request's <c>exp</c> and <c>sig</c> for <paramref name="id"/> now.</summary>
    public async Task<MediaSignatureCheck> ValidateAsync(string? id, string? exp, string? sig, CancellationToken ct) =>
        (await GetSignerAsync(ct)).ValidateSignature(id, exp, sig, time.GetUtcNow());

    private DateTimeOffset ExpiryFor(TimeSpan? lifetime)
    {
        var span = lifetime ?? options.Value.UrlLifetime;
        if (span <= TimeSpan.Zero || span > MediaUrlSigner.MaxLifetime)
            throw new ArgumentOutOfRangeException(nameof(lifetime), span, $"A signed URL lives between 1 second and {MediaUrlSigner.MaxLifetime.TotalDays} days.");
        return time.GetUtcNow() + span;
    }
}
