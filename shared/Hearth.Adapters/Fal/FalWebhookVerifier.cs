using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hearth.Adapters.Crypto;
using Hearth.Images;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Adapters.Fal;

/// <summary>
/// Verifies Fal's webhook signature: Ed25519 over <c>request_id \n user_id \n timestamp \n sha256hex(body)</c> from the
/// <c>X-Fal-Webhook-*</c> headers, with a key from Fal's JWKS (<see cref="FalJwksCache"/>), a timestamp within
/// <c>Fal:WebhookTolerance</c> (300 s) of now either way, then reads the payload (<see cref="FalWebhookPayload"/>).
/// The per-job token in the URL is checked separately, first, with <see cref="Hearth.Images.ImageWebhookTokens"/>.
/// </summary>
public sealed class FalWebhookVerifier(FalJwksCache keys, IEd25519Verifier ed25519, IOptions<FalOptions> options, ILogger<FalWebhookVerifier> logger)
    : IImageWebhookVerifier
{
    public const string RequestIdHeader = "X-Fal-Webhook-Request-Id";
    public const string UserIdHeader = "X-Fal-Webhook-User-Id";
    public const string TimestampHeader = "X-Fal-Webhook-Timestamp";
    public const string SignatureHeader = "X-Fal-Webhook-Signature";

    private readonly FalOptions _options = options.Value;

    public async Task<WebhookVerification> VerifyAsync(IReadOnlyDictionary<string, string> headers, ReadOnlyMemory<byte> body, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var requestId = Header(headers, RequestIdHeader);
        var userId = Header(headers, UserIdHeader);
        var timestamp = Header(headers, TimestampHeader);
        var signatureHex = Header(headers, SignatureHeader);
        var missing = new[] { (RequestIdHeader, requestId), (UserIdHeader, userId), (TimestampHeader, timestamp), (SignatureHeader, signatureHex) }
            .Where(h => string.IsNullOrEmpty(h.Item2)).Select(h => h.Item1).ToList();
        if (missing.Count > 0) return Reject($"missing header(s) {string.Join(", ", missing)}");

        if (!long.TryParse(timestamp, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
            return Reject("the timestamp is not a number of seconds");
        var skew = Math.Abs(now.ToUnixTimeSeconds() - (double)seconds);
        if (skew > _options.WebhookTolerance.TotalSeconds)
            return Reject($"the timestamp is {skew:0} s away from our clock (at most {_options.WebhookTolerance.TotalSeconds:0} s allowed)");

        if (signatureHex!.Length != 128) return Reject("the signature is not 64 bytes of hex");
        byte[] signature;
        try
        {
            signature = Convert.FromHexString(signatureHex);
        }
        catch (FormatException)
        {
            return Reject("the signature is not hex");
        }

        var message = Encoding.UTF8.GetBytes($"{requestId}\n{userId}\n{timestamp}\n{Convert.ToHexStringLower(SHA256.HashData(body.Span))}");

        IReadOnlyList<byte[]> current;
        try
        {
            current = await keys.GetKeysAsync(ct);
        }
        catch (FalKeysUnavailableException e)
        {
            logger.LogWarning("Cannot verify a Fal webhook for {RequestId}: {Reason}", requestId, e.Message);
            return new WebhookVerification.Unavailable(e.Message);
        }

        if (!AnyVerifies(current, message, signature))
        {
            // Fal may have rotated its keys since we fetched them: look again, rate limited.
            IReadOnlyList<byte[]>? refreshed;
            try
            {
                refreshed = await keys.TryRefreshAsync(ct);
            }
            catch (FalKeysUnavailableException e)
            {
                logger.LogWarning("Cannot refresh Fal's keys for webhook {RequestId}: {Reason}", requestId, e.Message);
                refreshed = null;
            }
            if (refreshed is null || !AnyVerifies(refreshed, message, signature))
                return Reject("the signature does not verify with any of Fal's keys");
        }

        FalWebhookPayload payload;
        try
        {
            payload = FalWebhookPayload.Parse(body.Span);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return Reject($"the payload is malformed: {e.Message}");
        }
        if (payload.RequestId != requestId) return Reject("the payload names another request than the signed header");

        return new WebhookVerification.Verified(requestId!, payload.ToOutcome());

        WebhookVerification Reject(string reason)
        {
            logger.LogWarning("Rejected a Fal webhook for {RequestId}: {Reason}", requestId ?? "(no id)", reason);
            return new WebhookVerification.Rejected(reason);
        }
    }

    private bool AnyVerifies(IReadOnlyList<byte[]> publicKeys, byte[] message, byte[] signature)
    {
        foreach (var key in publicKeys)
        {
            if (ed25519.Verify(key, message, signature)) return true;
        }
        return false;
    }

    private static string? Header(IReadOnlyDictionary<string, string> headers, string name)
    {
        if (headers.TryGetValue(name, out var value)) return value.Trim();
        foreach (var (key, v) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) return v.Trim();
        }
        return null;
    }
}
