using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Hearth.Images;

/// <summary>
/// The per-job token carried in a webhook URL: HMAC-SHA256 of the job id under a server secret, base64url. It binds a
/// delivery to the job it was issued for, so a valid provider signature for one job cannot be replayed against another,
/// and it turns away random traffic before any signature work. Compared in constant time.
/// </summary>
public sealed class ImageWebhookTokens
{
    /// <summary>Shortest secret accepted (bytes).</summary>
    public const int MinimumKeyBytes = 32;

    private const string Purpose = "hearth/images/webhook-token/v1\n";
    private readonly byte[] _key;

    public ImageWebhookTokens(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinimumKeyBytes)
            throw new ArgumentException($"The webhook token secret must be at least {MinimumKeyBytes} bytes.", nameof(key));
        _key = key.ToArray();
    }

    /// <summary>The token for <paramref name="jobId"/> (43 URL-safe characters).</summary>
    public string Create(string jobId)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        return Base64Url.EncodeToString(Mac(jobId));
    }

    /// <summary>True when <paramref name="token"/> is the token of <paramref name="jobId"/>.</summary>
    public bool Verify(string jobId, string? token)
    {
        if (string.IsNullOrEmpty(jobId) || string.IsNullOrEmpty(token) || token.Length > 64) return false;
        Span<byte> given = stackalloc byte[48];
        if (!TryDecode(token, given, out var written) || written != 32) return false;
        return CryptographicOperations.FixedTimeEquals(given[..written], Mac(jobId));
    }

    /// <summary>Base64url decoding that answers false, never throws (<see cref="Base64Url.TryDecodeFromChars(ReadOnlySpan{char}, Span{byte}, out int)"/> throws on bad input).</summary>
    internal static bool TryDecode(string text, Span<byte> destination, out int written)
    {
        written = 0;
        try
        {
            return Base64Url.TryDecodeFromChars(text, destination, out written);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private byte[] Mac(string jobId) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(Purpose + jobId));
}
