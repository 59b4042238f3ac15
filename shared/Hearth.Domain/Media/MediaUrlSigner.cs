using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hearth.Media;

/// <summary>The verdict on a signed media URL.</summary>
public enum MediaSignatureCheck
{
    Valid,

    /// <summary>Well signed, but its time is up.</summary>
    Expired,

    /// <summary>Missing, malformed, or not signed by us (tampered id or expiry, another key).</summary>
    Invalid,
}

/// <summary>
/// Signs and checks expiring media URLs: <c>/media/{id}?exp={unix seconds}&amp;sig={base64url HMAC-SHA256}</c>, the MAC
/// taken over a purpose label, the id and the expiry. Anyone holding such a URL may read that one picture until it
/// expires (how Fal fetches a base portrait, and how chat pictures render in an &lt;img&gt; without a bearer token).
/// </summary>
public sealed class MediaUrlSigner
{
    /// <summary>Shortest configured key accepted (characters).</summary>
    public const int MinimumKeyLength = 32;

    /// <summary>Longest lifetime a URL may be given.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    private const string Purpose = "hearth/media-url/v1\n";
    private readonly byte[] _key;

    public MediaUrlSigner(ReadOnlySpan<byte> key)
    {
        if (key.Length < 32) throw new ArgumentException("A media signing key must be at least 32 bytes.", nameof(key));
        _key = key.ToArray();
    }

    /// <summary>The path and query of a URL for <paramref name="id"/> valid until <paramref name="expiresAt"/> (whole seconds).</summary>
    public string CreatePath(string id, DateTimeOffset expiresAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var exp = expiresAt.ToUnixTimeSeconds();
        return $"/media/{Uri.EscapeDataString(id)}?exp={exp.ToString(CultureInfo.InvariantCulture)}&sig={Sign(id, exp)}";
    }

    /// <summary>An absolute URL under <paramref name="publicBaseUrl"/> (how the outside world, Fal included, reaches us).</summary>
    public Uri CreateUrl(Uri publicBaseUrl, string id, DateTimeOffset expiresAt)
    {
        if (!publicBaseUrl.IsAbsoluteUri) throw new ArgumentException("The public base URL must be absolute.", nameof(publicBaseUrl));
        return new Uri(publicBaseUrl.GetLeftPart(UriPartial.Authority) + publicBaseUrl.AbsolutePath.TrimEnd('/') + CreatePath(id, expiresAt));
    }

    /// <summary>Checks the <c>exp</c> and <c>sig</c> query values of a request for <paramref name="id"/> at <paramref name="now"/>.</summary>
    public MediaSignatureCheck ValidateSignature(string? id, string? exp, string? sig, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(exp) || string.IsNullOrEmpty(sig) || sig.Length > 64 || exp.Length > 12)
            return MediaSignatureCheck.Invalid;
        if (!long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)) return MediaSignatureCheck.Invalid;
        Span<byte> given = stackalloc byte[48];
        if (!Images.ImageWebhookTokens.TryDecode(sig, given, out var written) || written != 32) return MediaSignatureCheck.Invalid;
        if (!CryptographicOperations.FixedTimeEquals(given[..written], Mac(id, expiry))) return MediaSignatureCheck.Invalid;
        return now.ToUnixTimeSeconds() < expiry ? MediaSignatureCheck.Valid : MediaSignatureCheck.Expired;
    }

    private string Sign(string id, long expiry) => Base64Url.EncodeToString(Mac(id, expiry));

    private byte[] Mac(string id, long expiry) =>
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(Purpose + id + "\n" + expiry.ToString(CultureInfo.InvariantCulture)));
}
